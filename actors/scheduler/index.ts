export { schedulerActor, schedulerConfigOf, type SchedulerInput } from './scheduler.actor.ts';
export type { ExplainReply, ExplainRequest, ExplainNode, LastAttempt } from './explain.ts';
