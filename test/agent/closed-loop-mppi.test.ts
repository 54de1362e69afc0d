import { closedLoopSuite } from './closed-loop.ts';

closedLoopSuite('mppi');
