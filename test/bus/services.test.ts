import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../../src/bus/in-process.ts';
import { BusError } from '../../src/bus/errors.ts';

describe('services', () => {
  test('request / response through a spin', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const agent = bus.createNode('agent');
    let resets = 0;
    const srv = agent.createService('std_srvs/srv/Trigger', '~/reset', () => {
      resets++;
      return { success: true, message: `reset #${resets}` };
    });
    assert.equal(srv.name, '/agent/reset');
    const client = bus.createNode('tester').createClient('std_srvs/srv/Trigger', '/agent/reset');
    assert.equal(client.isServiceReady(), true);
    const pending = client.call({});
    assert.equal(resets, 0, 'nothing runs before the bus spins');
    bus.spinOnce();
    assert.deepEqual(await pending, { success: true, message: 'reset #1' });
    assert.equal(srv.handled, 1);
  });

  test('async handlers and requests are copied', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    n.createService('std_srvs/srv/SetBool', 'enable', async (req) => {
      await Promise.resolve();
      return { success: req.data, message: req.data ? 'on' : 'off' };
    });
    const client = n.createClient('std_srvs/srv/SetBool', 'enable');
    const req = { data: true };
    const p = client.call(req);
    req.data = false;
    bus.spinOnce();
    assert.deepEqual(await p, { success: true, message: 'on' });
  });

  test('missing server, failing handler and name clashes', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    const client = n.createClient('std_srvs/srv/Trigger', '/nobody');
    assert.equal(client.isServiceReady(), false);
    const missing = client.call({});
    bus.spinOnce();
    await assert.rejects(missing, (e: BusError) => e.code === 'SERVICE_UNAVAILABLE');

    n.createService('std_srvs/srv/Trigger', '/broken', () => {
      throw new Error('handler broke');
    });
    const broken = n.createClient('std_srvs/srv/Trigger', '/broken').call({});
    bus.spinOnce();
    await assert.rejects(broken, (e: BusError) => e.code === 'SERVICE_FAILED' && /handler broke/.test(e.message));

    assert.throws(() => n.createService('std_srvs/srv/Trigger', '/broken', () => ({ success: true, message: '' })), /exists/);
    // A client of another type does not see the server.
    assert.equal(n.createClient('std_srvs/srv/SetBool', '/broken').isServiceReady(), false);
  });

  test('a destroyed service stops answering', async () => {
    const bus = new InProcessBus({ logSink: () => {} });
    const n = bus.createNode('n');
    const srv = n.createService('std_srvs/srv/Trigger', 'x', () => ({ success: true, message: '' }));
    srv.destroy();
    const p = n.createClient('std_srvs/srv/Trigger', 'x').call({});
    bus.advance(0.1);
    await assert.rejects(p, /no std_srvs\/srv\/Trigger server/);
  });
});
