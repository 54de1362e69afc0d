import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odra } from '../cli/helpers.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'odra-cli-learn-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('odra record / train / eval', () => {
  test('bad arguments are usage errors (exit 2) that name the problem', async () => {
    const r = await odra(['record', '--episodes', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out FILE\.mcap is required/);
    assert.match(r.stderr, /--episodes: expected an integer/);
    const t = await odra(['train', '--out', dir]);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /--data FILE\.mcap is required/);
    const e = await odra(['eval', '--episodes=-1']);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /--model DIR is required/);
    assert.match((await odra(['train', '--help'])).stdout, /--resume/);
  });

  test('a tiny recording trains into a model that eval reads, end to end', async () => {
    const mcap = join(dir, 'play.mcap');
    const rec = await odra(['record', '--episodes', '2', '--steps-per-episode', '20', '--seed', '4', '--out', mcap, '--json']);
    assert.equal(rec.code, 0, rec.stderr);
    const summary = JSON.parse(rec.stdout) as { frames: number; keepOutViolationTicks: number; limitViolationTicks: number };
    assert.equal(summary.frames, 40);
    assert.equal(summary.keepOutViolationTicks + summary.limitViolationTicks, 0);
    const cfg = join(dir, 'tiny.yaml');
    await writeFile(
      cfg,
      'latentDim: 6\nbatchSize: 8\nrolloutSteps: 2\nvalFraction: 0.5\nimage: { width: 16, height: 16 }\nencoder: { hidden: [16], patch: { size: 8, features: 4 } }\npredictor: { hidden: [16] }\ninverseDynamics: { hidden: [8] }\n',
    );
    const out = join(dir, 'model');
    const tr = await odra(['train', '--data', mcap, '--out', out, '--config', cfg, '--epochs', '1', '--json']);
    assert.equal(tr.code, 0, tr.stderr);
    const res = JSON.parse(tr.stdout) as { steps: number; onnxMaxAbsErr: number; dataHash: string };
    assert.ok(res.steps > 0);
    assert.ok(res.onnxMaxAbsErr <= 1e-4);
    assert.match(res.dataHash, /^[0-9a-f]{64}$/);
    assert.match(tr.stderr, /train \[/);
    assert.ok((await stat(join(out, 'predictor.onnx'))).size > 0);
    const ev = await odra(['eval', '--model', out, '--episodes', '1', '--max-ticks', '3', '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const rep = JSON.parse(ev.stdout) as { latent: { latentDim: number; horizons: number[]; effectiveRank: number } | null; closedLoop: { episodes: unknown[]; keepOutViolationTicks: number } };
    assert.equal(rep.latent?.latentDim, 6);
    assert.deepEqual(rep.latent?.horizons, [1, 4, 16]);
    assert.ok(rep.latent!.effectiveRank >= 1);
    assert.equal(rep.closedLoop.episodes.length, 1);
    assert.equal(rep.closedLoop.keepOutViolationTicks, 0);
  });
});
