import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** Indicators and networks: reads only (extraction happens after capture and in `vigil indicators reextract`). */
export function createIndicatorsHandlers(deps: Pick<HandlerDeps, 'indicators'>): HandlersOf<'indicators'> {
  const { indicators } = deps;
  return {
    'indicators.ofResource': (input) => indicators.ofResource(input.resourceId),
    'indicators.holders': (input) => indicators.holders(input.type, input.value),
    'indicators.network': (input) => indicators.network(input.resourceId),
  };
}
