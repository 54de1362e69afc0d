import { closedLoopSuite } from './closed-loop.ts';

closedLoopSuite('cem+gradient');
