// Upstream's union authorizer as kube-apiserver builds it for --authorization-mode=Node,RBAC: the
// first authorizer that allows decides; when none does, the request is denied with every reason the
// others gave (joined by newlines, as upstream's union joins them).
import type { Attributes } from '../../../api/authorization.ts';
import type { UserInfo } from '../../../api/protocol.ts';
import type { Authorizer, Decision, RuleSet } from './authorizer.ts';

export class AuthorizerChain implements Authorizer {
  private readonly all: readonly Authorizer[];

  constructor(...authorizers: Authorizer[]) {
    this.all = authorizers;
  }

  authorize(a: Attributes): Decision {
    let reasons: string[] | undefined;
    for (const z of this.all) {
      const d = z.authorize(a);
      if (d.allowed) return d;
      if (d.reason) (reasons ??= []).push(d.reason);
    }
    return { allowed: false, reason: reasons?.join('\n') ?? '' };
  }

  /** Every authorizer's rules for the user, with every one's errors (any error makes the review incomplete). */
  rulesFor(user: UserInfo, namespace: string): RuleSet {
    const out: RuleSet = { rules: [], errors: [] };
    for (const z of this.all) {
      const r = z.rulesFor(user, namespace);
      out.rules.push(...r.rules);
      out.errors.push(...r.errors);
    }
    return out;
  }
}
