// String-format checks as apimachinery/pkg/util/validation: each returns upstream's messages ([] when valid).

/** Returns upstream's MaxLenError text. */
export const maxLenError = (n: number) => `must be no more than ${n} characters`;
/** Returns upstream's EmptyError text. */
export const EMPTY_ERROR = 'must be non-empty';
/** Returns upstream's InclusiveRangeError text. */
export const inclusiveRangeError = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;

/** Returns upstream's RegexError text: message, examples, and the regex used. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/** Checks a DNS-1123 label (≤ 63): container names, namespace names, port names of services. */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(v)) {
    if (DNS1123_SUBDOMAIN_RE.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** Checks a DNS-1123 subdomain (≤ 253): most object names. */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

const WILDCARD_DNS1123_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
const WILDCARD_DNS1123_RE = new RegExp(`^${WILDCARD_DNS1123_FMT}$`);

/** Checks a wildcard DNS-1123 subdomain (`*.example.com`): ingress hosts. */
export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!WILDCARD_DNS1123_RE.test(v))
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_DNS1123_FMT,
        '*.example.com',
      ),
    );
  return errs;
}

/** Checks a DNS-1035 label (≤ 63, starts with a letter): service names. */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL_RE.test(v)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_RE = new RegExp(`^${QNAME_FMT}$`);
const QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Checks a qualified name / label key: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY_ERROR}`);
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${EMPTY_ERROR}`);
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QNAME_RE.test(name)) errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Checks a label value: empty, or ≤ 63 alphanumerics with '-', '_', '.' inside. */
export function isLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** Checks a port number (1–65535). */
export function isValidPortNum(p: number): string[] {
  return Number.isInteger(p) && p >= 1 && p <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** Checks an IANA_SVC_NAME port name (≤ 15, [-a-z0-9], one letter, no '--', no leading/trailing '-'). */
export function isValidPortName(p: string): string[] {
  const errs: string[] = [];
  if (p.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(p)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(p)) errs.push('must contain at least one letter (a-z)');
  if (p.includes('--')) errs.push('must not contain consecutive hyphens');
  if (p.length > 0 && (p[0] === '-' || p[p.length - 1] === '-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const PERCENT_FMT = '[0-9]+%';
/** Checks a percent string such as "25%". */
export function isValidPercent(p: string): string[] {
  return /^[0-9]+%$/.test(p)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, '1%', '93%')];
}

function chDirPrefix(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  if (v.startsWith('..')) return ["must not start with '..'"];
  return [];
}

const CM_KEY_FMT = '[-._a-zA-Z0-9]+';
/** Checks a ConfigMap/Secret data key. */
export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(v))
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CM_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  return errs.concat(chDirPrefix(v));
}

const ENV_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
/** Checks an environment variable name. */
export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v))
    errs.push(
      regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        ENV_FMT,
        'my.env-name',
        'MY_ENV.NAME',
        'MyEnvName1',
      ),
    );
  return errs.concat(chDirPrefix(v));
}

/** Checks an HTTP header name. */
export function isHTTPHeaderName(v: string): string[] {
  return /^[-A-Za-z0-9]+$/.test(v)
    ? []
    : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", '[-A-Za-z0-9]+', 'X-Header-Name')];
}

/** Returns 4 or 6 for a valid IPv4/IPv6 address, else 0. */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((o) => Number(o) <= 255) ? 4 : 0;
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return 0;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  let body = s;
  if (tail.includes('.')) {
    if (ipFamily(tail) !== 4) return 0;
    body = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = body.split('::');
  if (halves.length > 2) return 0;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (![...head, ...rest].every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return 0;
  const n = head.length + rest.length;
  if (halves.length === 2 ? n < 8 : n === 8) return 6;
  return 0;
}

/** Checks an IP address; returns upstream's IsValidIP message. */
export function isValidIP(s: string): string[] {
  return ipFamily(s) ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

/** Checks a CIDR; returns upstream's IsValidCIDR message. */
export function isValidCIDR(s: string): string[] {
  const [ip, bits, extra] = s.split('/');
  const fam = ipFamily(ip ?? '');
  const n = Number(bits);
  const ok = extra === undefined && fam !== 0 && /^\d+$/.test(bits ?? '') && n <= (fam === 4 ? 32 : 128);
  return ok ? [] : ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
}

/** A name rule as upstream's ValidateNameFunc: `prefix` is true for generateName (a trailing '-' is allowed). */
export type NameFn = (name: string, prefix: boolean) => string[];

const maskTrailingDash = (name: string) => (name.endsWith('-') ? (name.length >= 2 ? name.slice(0, -2) : '') + 'a' : name);

/**
 * Remembers the names a pure check found valid (at most `max`, then starts again): every write checks
 * its object's name and namespace, nearly always ones it checked before (a node's Lease every 10 s).
 */
function validMemo(check: (v: string) => string[], max = 16_384): (v: string) => string[] {
  const valid = new Set<string>();
  return (v) => {
    if (valid.has(v)) return [];
    const errs = check(v);
    if (errs.length === 0) {
      if (valid.size >= max) valid.clear();
      valid.add(v);
    }
    return errs;
  };
}

const dns1123Subdomain = validMemo(isDNS1123Subdomain);
const dns1123Label = validMemo(isDNS1123Label);

/** Name rule for pods and most kinds: DNS-1123 subdomain. */
export const nameIsDNSSubdomain: NameFn = (n, p) => (p ? isDNS1123Subdomain(maskTrailingDash(n)) : dns1123Subdomain(n));
/** Name rule for namespaces (and statefulsets): DNS-1123 label. */
export const nameIsDNSLabel: NameFn = (n, p) => (p ? isDNS1123Label(maskTrailingDash(n)) : dns1123Label(n));
/** Name rule for services: DNS-1035 label. */
export const nameIsDNS1035Label: NameFn = (n, p) => isDNS1035Label(p ? maskTrailingDash(n) : n);

/** Name rule of kinds upstream checks only as a URL path segment (core/v1 Events): not "." or "..", no "/" or "%". */
export const nameIsPathSegment: NameFn = (n, p) => {
  if (!p && (n === '.' || n === '..')) return [`may not be '${n}'`];
  return ['/', '%'].filter((c) => n.includes(c)).map((c) => `may not contain '${c}'`);
};
