import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load.ts';
import { pipelineConfigFromParams } from '../../src/nodes/perception-node.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import { convEncoderOnnx, convEncoderWeights, randomBytes, tempDir } from '../perception/helpers.ts';
import { odra } from './helpers.ts';

const S = 8;
const D = 5;
let dir: string;
let cleanup: () => void;

function params(perception: string): string {
  return `odra_agent:\n  ros__parameters:\n    perception:\n${perception.replace(/^/gm, '      ')}\n`;
}

before(async () => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(join(dir, 'enc.onnx'), convEncoderOnnx(convEncoderWeights(3, 6, D, 31), S));
  await sharp(randomBytes(S * 2 * S * 3, 8), { raw: { width: 2 * S, height: S, channels: 3 } }).png().toFile(join(dir, 'goal.png'));
  writeFileSync(join(dir, 'junk.png'), randomBytes(200, 9));
  // model_path is relative: resolved against the directory odra runs in
  writeFileSync(join(dir, 'odra.yaml'), params(`encoder: onnx\nmodel_path: enc.onnx\nwidth: ${S}\nheight: ${S}`));
  writeFileSync(join(dir, 'missing-model.yaml'), params(`encoder: onnx\nmodel_path: nowhere/enc.onnx\nwidth: ${S}\nheight: ${S}`));
  writeFileSync(join(dir, 'wrong-size.yaml'), params(`encoder: onnx\nmodel_path: enc.onnx\nwidth: 16\nheight: ${S}`));
  writeFileSync(join(dir, 'none.yaml'), params('encoder: none'));
});
after(() => cleanup());

describe('odra encode', () => {
  test('--json prints exactly {dim, latent, ms}, and the latent is the pipeline latent of the file', async () => {
    const r = await odra(['encode', '--config', 'odra.yaml', '--image', 'goal.png', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, r.stdout);
    const out = JSON.parse(lines[0]!) as { dim: number; latent: number[]; ms: number };
    assert.deepEqual(Object.keys(out), ['dim', 'latent', 'ms'], 'exactly these keys, in this order');
    assert.equal(out.dim, D, 'latent size');
    assert.ok(typeof out.ms === 'number' && out.ms > 0, `ms ${out.ms}`);

    const config = loadConfig({ files: [join(dir, 'odra.yaml')], overrides: { 'perception.model_path': join(dir, 'enc.onnx') } });
    const pipeline = await PerceptionPipeline.create(pipelineConfigFromParams(config.perception).config);
    const ref = await pipeline.encodeImageFile(join(dir, 'goal.png'));
    await pipeline.dispose();
    if (!ref.ok) assert.fail(`${ref.reason}: ${ref.detail}`);
    assert.deepEqual(out.latent, [...ref.latent], 'same floats as the pipeline');
  });

  test('the human summary shows size, first values, norm and time', async () => {
    const r = await odra(['encode', '--config', join(dir, 'odra.yaml'), '--image', join(dir, 'goal.png'), '-p', `perception.model_path:=${join(dir, 'enc.onnx')}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /image +.*goal\.png \(16×8 rgb\)/, r.stdout);
    assert.match(r.stdout, /latent +5 floats/, r.stdout);
    assert.match(r.stdout, /first +\[(-?\d\.\d+(e[-+]\d+)?, ){4}-?\d\.\d+(e[-+]\d+)?\]/, r.stdout);
    assert.match(r.stdout, /L2 norm +\d/, r.stdout);
    assert.match(r.stdout, /time +\d+\.\d\d ms/, r.stdout);
  });

  test('a missing image, missing arguments and unknown options are usage errors (exit 2)', async () => {
    const missing = await odra(['encode', '--config', 'odra.yaml', '--image', 'nope.png'], dir);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /--image: .*nope\.png: file not found/, missing.stderr);
    assert.equal(missing.stdout, '', 'nothing on stdout');

    const bare = await odra(['encode'], dir);
    assert.equal(bare.code, 2, bare.stderr);
    assert.match(bare.stderr, /--config FILE is required/, bare.stderr);
    assert.match(bare.stderr, /--image PATH is required/, 'both problems reported at once');

    const unknown = await odra(['encode', '--colour', 'red'], dir);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--colour.*odra encode --help/, unknown.stderr);

    const noConfig = await odra(['encode', '--config', 'absent.yaml', '--image', 'goal.png'], dir);
    assert.equal(noConfig.code, 2, noConfig.stderr);
    assert.match(noConfig.stderr, /absent\.yaml: file not found/, noConfig.stderr);
  });

  test('a missing or mismatched model names the parameter and the file', async () => {
    const r = await odra(['encode', '--config', 'missing-model.yaml', '--image', 'goal.png'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /perception\.model_path: .*nowhere\/enc\.onnx: cannot read/, r.stderr);

    const wrong = await odra(['encode', '--config', 'wrong-size.yaml', '--image', 'goal.png'], dir);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /width 8 != 16/, wrong.stderr);

    const none = await odra(['encode', '--config', 'none.yaml', '--image', 'goal.png'], dir);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /perception\.encoder is none/, none.stderr);
  });

  test('a file that is not an image is refused with the reason', async () => {
    const r = await odra(['encode', '--config', 'odra.yaml', '--image', 'junk.png', '--json'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--image: corrupt_compressed: .*junk\.png/, r.stderr);
    assert.equal(r.stdout, '', 'no JSON on failure');
  });

  test('--help prints the usage', async () => {
    const r = await odra(['encode', '--help'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: odra encode --config FILE --image PATH/, r.stdout);
  });
});
