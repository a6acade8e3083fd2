// Renders a trace in one of the formats `kubus trace --format` offers.
import type { Trace, TraceFormat } from '../types.ts';
import { renderChrome } from './chrome.ts';
import type { RenderOptions } from './common.ts';
import { renderMermaid } from './mermaid.ts';
import { renderOtlp } from './otlp.ts';
import { renderText } from './text.ts';

export type { NoiseMode, NotesMode, RenderOptions } from './common.ts';
export { renderChrome, renderMermaid, renderOtlp, renderText };

/** The formats, in the order `--format` lists them. */
export const TRACE_FORMATS: readonly TraceFormat[] = ['text', 'mermaid', 'chrome', 'otlp'];

/** Returns the trace rendered as text, Mermaid, Chrome trace-event JSON or OTLP-JSON (deterministic). */
export function render(trace: Trace, format: TraceFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(trace, opts);
    case 'mermaid':
      return renderMermaid(trace, opts);
    case 'chrome':
      return renderChrome(trace, opts);
    case 'otlp':
      return renderOtlp(trace);
    default:
      throw new Error(`unknown trace format "${String(format)}": choose one of ${TRACE_FORMATS.join(', ')}`);
  }
}
