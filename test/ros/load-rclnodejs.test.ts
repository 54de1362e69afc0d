import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRclnodejs, ROS_NOT_FOUND_MESSAGE, rosSourced, RosUnavailableError } from '../../src/ros/load-rclnodejs.ts';

function fakeRequire(impl: (id: string) => unknown): NodeJS.Require & { calls: string[] } {
  const calls: string[] = [];
  const req = ((id: string) => {
    calls.push(id);
    return impl(id);
  }) as NodeJS.Require & { calls: string[] };
  req.calls = calls;
  req.resolve = (() => {
    throw new Error('not on disk');
  }) as unknown as NodeJS.RequireResolve;
  return req;
}

describe('loading rclnodejs', () => {
  test('without ROS_DISTRO it refuses with the documented message and never touches rclnodejs', () => {
    const req = fakeRequire(() => ({}));
    for (const env of [{}, { ROS_DISTRO: '' }, { ROS_DISTRO: '  ' }]) {
      assert.throws(
        () => loadRclnodejs({ env, require: req }),
        (e: unknown) => e instanceof RosUnavailableError && e.code === 'ROS_NOT_SOURCED' && e.message === ROS_NOT_FOUND_MESSAGE,
      );
    }
    assert.deepEqual(req.calls, []);
    assert.equal(ROS_NOT_FOUND_MESSAGE, 'odra: ROS 2 not found — source /opt/ros/<distro>/setup.bash, then npm rebuild rclnodejs');
    assert.equal(rosSourced({}), false);
    assert.equal(rosSourced({ ROS_DISTRO: 'jazzy' }), true);
  });

  test('with ROS sourced but rclnodejs missing it says what to install, for that distro', () => {
    const req = fakeRequire(() => {
      throw new Error("Cannot find module 'rclnodejs'\nRequire stack: ...");
    });
    assert.throws(
      () => loadRclnodejs({ env: { ROS_DISTRO: 'jazzy' }, require: req }),
      (e: unknown) =>
        e instanceof RosUnavailableError &&
        e.code === 'RCLNODEJS_NOT_LOADABLE' &&
        e.message.includes("for ROS 2 jazzy (Cannot find module 'rclnodejs')") &&
        e.message.includes('/opt/ros/jazzy/setup.bash') &&
        !e.message.includes('Require stack'),
    );
    assert.deepEqual(req.calls, ['rclnodejs']);
  });

  test('with ROS sourced it returns the module (version empty when package.json cannot be read)', () => {
    const mod = { init: async () => {} };
    const loaded = loadRclnodejs({ env: { ROS_DISTRO: 'humble' }, require: fakeRequire(() => mod) });
    assert.equal(loaded.rcl, mod);
    assert.equal(loaded.version, '');
  });
});
