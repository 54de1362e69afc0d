import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import sharp from 'sharp';
import { decodeImage, SUPPORTED_ENCODINGS } from '../../src/perception/decode.ts';
import { PerceptionPipeline } from '../../src/perception/pipeline.ts';
import type { CompressedImageMsg, ImageMsg } from '../../src/perception/types.ts';
import { DROP_REASONS } from '../../src/perception/types.ts';

const dim = fc.oneof(
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: -5, max: 0 }),
  fc.constantFrom(1e5, 65536, 2 ** 31, 1e12, NaN, Infinity, 2.5),
  fc.constant('4' as unknown as number),
);
const encoding = fc.oneof(fc.constantFrom(...SUPPORTED_ENCODINGS), fc.constantFrom('yuv422', '', 'RGB8', '__proto__', 'toString'), fc.string({ maxLength: 8 }));
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 100 }),
  fc.constantFrom(null, 'data', 42, {} as unknown),
);

/** Raw Image messages whose fields are sometimes plausible and sometimes hostile. */
const rawMsg = fc.record({
  header: fc.constant({ stamp: { sec: 0, nanosec: 0 }, frame_id: '' }),
  width: dim,
  height: dim,
  encoding,
  is_bigendian: fc.oneof(fc.constantFrom(0, 1), fc.boolean()),
  step: fc.oneof(fc.integer({ min: -4, max: 80 }), fc.constantFrom(NaN, 1e9, 3.5)),
  data: bytes,
});

test('fuzz: 2,000 random raw Image messages never throw; successes are well-formed', () => {
  fc.assert(
    fc.property(rawMsg, (m) => {
      const r = decodeImage(m as unknown as ImageMsg, { maxPixels: 10_000 });
      if (!r.ok) return DROP_REASONS.includes(r.reason) && r.detail.length > 0;
      const img = r.image;
      if (img.data.length !== img.width * img.height * img.channels) return false;
      if (img.kind === 'depth') return img.data.every((v) => Number.isNaN(v) || v > 0);
      return img.data.every((v) => v >= 0 && v <= 1);
    }),
    { seed: 20240501, numRuns: 2000 },
  );
});

test('fuzz: 1,200 random frames through the pipeline are encoded or dropped with a counted reason', async () => {
  const pipeline = await PerceptionPipeline.create({ encoder: { kind: 'none' }, maxPixels: 10_000 });
  const png = await sharp({ create: { width: 6, height: 4, channels: 3, background: '#336699' } }).png().toBuffer();
  const format = fc.oneof(
    fc.constantFrom('jpeg', 'png', 'bgr8; jpeg compressed bgr8', '16UC1; compressedDepth png', '32FC1; compressedDepth', 'rgb8; png compressed rgb8', 'mono16; png compressed mono16', 'compressedDepth rvl'),
    fc.string({ maxLength: 12 }),
  );
  // Compressed payloads: random bytes, or a real PNG with random bytes overwritten or cut.
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.record({ at: fc.nat({ max: png.length - 1 }), with: fc.uint8Array({ minLength: 1, maxLength: 16 }), cut: fc.nat({ max: png.length }) }).map(({ at, with: w, cut }) => {
      const b = Uint8Array.from(png);
      b.set(w.subarray(0, b.length - at), at);
      return b.subarray(0, Math.max(cut, 1));
    }),
    fc.constant(Uint8Array.from(png)),
  );
  const compressedMsg = fc.record({ format, data: payload });
  const frame = fc.oneof(rawMsg.map((m) => m as unknown as ImageMsg | CompressedImageMsg), compressedMsg.map((m) => m as CompressedImageMsg));

  let seen = 0;
  let dropped = 0;
  await fc.assert(
    fc.asyncProperty(frame, async (m) => {
      const before = pipeline.counters();
      const r = await pipeline.encodeMessage(m);
      const after = pipeline.counters();
      seen += 1;
      if (after.received !== before.received + 1) return false;
      if (r.ok) return after.encoded === before.encoded + 1 && r.latent.length === 0;
      dropped += 1;
      return DROP_REASONS.includes(r.reason) && after.dropped[r.reason] === before.dropped[r.reason] + 1;
    }),
    { seed: 7, numRuns: 1200 },
  );
  const c = pipeline.counters();
  const totalDropped = DROP_REASONS.reduce((a, k) => a + c.dropped[k], 0);
  assert.equal(c.received, seen);
  assert.equal(c.encoded + totalDropped, c.received);
  assert.equal(totalDropped, dropped);
  // The generators reach many reasons, not just one.
  const reached = DROP_REASONS.filter((k) => c.dropped[k] > 0);
  for (const k of ['bad_message', 'bad_size', 'too_large', 'unknown_encoding', 'bad_step', 'short_data', 'corrupt_compressed', 'unsupported_format'] as const) {
    assert.ok(reached.includes(k), `reason ${k} reached (got ${reached.join(', ')})`);
  }
  await pipeline.dispose();
});
