import { closedLoopSuite } from './closed-loop.ts';

closedLoopSuite('gradient');
