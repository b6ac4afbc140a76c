// The pino transport's entry: pino loads it in a worker thread, where the parent's TypeScript
// loader is not registered, so it registers tsx there, then loads the transport itself.
import { register } from 'tsx/esm/api';

register();
const transport = await import('./pino-transport.ts');
export default transport.default;
