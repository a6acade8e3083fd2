// State notes from XState inspection: one note each time an actor's state value changes, tied to
// the message being handled at that moment (its span), so renderers can draw it next to the arrow.
import type { InspectionEvent } from 'xstate';
import { currentContext } from '../../bus/trace.ts';
import { ref } from './summary.ts';
import type { StateNote } from './types.ts';

type Ref = { id?: string; sessionId?: string; _parent?: Ref };

/** Actors whose last state is remembered (pod workers come and go; the oldest are forgotten). */
const MAX_ACTORS = 200_000;

/** Returns the id of the root of an actor (the hosted actor), following its parents. */
function rootOf(r: Ref): string | undefined {
  let cur = r;
  for (let i = 0; cur._parent && i < 32; i++) cur = cur._parent;
  return cur.id;
}

/** Returns the active leaf paths of a state value: `running`, `running.lease.healthy`. */
export function leafStates(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [prefix + String(value)];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out.push(...leafStates(v, `${prefix}${k}.`));
  return out;
}

/** Returns the pod a child actor's context says it works on, as `pod/ns/name`. */
function objectOfContext(context: unknown): string | undefined {
  const pod = (context as { pod?: { metadata?: { name?: string; namespace?: string } } } | undefined)?.pod;
  const m = pod?.metadata;
  return m?.name ? ref('pod', m.namespace, m.name) : undefined;
}

/** Turns inspection events into StateNotes; keeps the last state of each live actor. */
export class StateInspector {
  private readonly roots = new Map<string, string>();
  private readonly last = new Map<string, string>();

  constructor(private readonly now: () => number) {}

  /** Returns a note when this event shows an actor entering a new state value, else undefined. */
  inspect(ev: InspectionEvent): StateNote | undefined {
    const actorRef = ev.actorRef as Ref;
    const session = actorRef.sessionId ?? '';
    if (ev.type === '@xstate.actor') {
      if (session === ev.rootId && actorRef.id) this.roots.set(session, actorRef.id);
      return undefined;
    }
    if (ev.type !== '@xstate.snapshot') return undefined;
    const snap = ev.snapshot as { value?: unknown; status?: string; context?: unknown };
    if (snap.value === undefined) return undefined;
    if (snap.status !== 'active') return this.stopped(ev, actorRef, session, snap.context);
    const leaves = leafStates(snap.value);
    const all = leaves.join('+');
    const before = this.last.get(session);
    if (before === all) return undefined;
    if (before === undefined && this.last.size >= MAX_ACTORS) this.last.delete(this.last.keys().next().value!);
    this.last.set(session, all);
    const type = (ev.event as { type?: string })?.type ?? '';
    // First seen without its start (inspection attached later): nothing says what changed.
    if (before === undefined && type !== 'xstate.init') return undefined;
    const old = new Set(before?.split('+'));
    const state = leaves.filter((l) => !old.has(l)).join(', ') || all;
    const root = this.roots.get(ev.rootId) ?? rootOf(actorRef) ?? '?';
    const note: StateNote = { actor: root, at: this.now(), state, event: type };
    const value = leaves.join(', ');
    if (value !== state) note.value = value;
    if (session !== ev.rootId && actorRef.id) {
      note.child = actorRef.id;
      const o = objectOfContext(snap.context);
      if (o) note.object = o;
    }
    const span = currentContext()?.span;
    if (span) {
      note.traceId = span.traceId;
      note.spanId = span.spanId;
    }
    return note;
  }

  /** Forgets a stopped (or done) actor; returns a stopped note for a child noted before, so the bus view stops counting it. */
  private stopped(ev: InspectionEvent, actorRef: Ref, session: string, context: unknown): StateNote | undefined {
    const seen = this.last.delete(session);
    if (session === ev.rootId) {
      this.roots.delete(session);
      return undefined;
    }
    if (!seen || !actorRef.id) return undefined;
    const root = this.roots.get(ev.rootId) ?? rootOf(actorRef) ?? '?';
    const type = (ev as { event?: { type?: string } }).event?.type ?? '';
    const note: StateNote = { actor: root, at: this.now(), state: 'stopped', event: type, child: actorRef.id, stopped: true };
    const o = objectOfContext(context);
    if (o) note.object = o;
    return note;
  }
}
