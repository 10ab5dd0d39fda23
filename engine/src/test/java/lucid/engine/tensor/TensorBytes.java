package lucid.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Builds tensor bytes for tests: random blocks of every supported type, written field by field as
 * ggml lays them out, and a way to place them at any byte offset of native memory.
 */
final class TensorBytes {

    private TensorBytes() {
    }

    /** Random weights of {@code type}, {@code count} of them (a multiple of the block size). */
    static byte[] random(GgmlType type, int count, Random random) {
        ByteBuffer out = ByteBuffer.allocate((int) type.byteSize(count)).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = count / type.blockSize();
        for (int b = 0; b < blocks; b++) {
            switch (type) {
                case F32 -> out.putFloat((float) (random.nextGaussian() * 2));
                case F16 -> out.putShort(randomHalf(random));
                case BF16 -> out.putShort(randomBfloat(random));
                case Q8_0 -> {
                    out.putShort(randomScale(random));
                    out.put(randomBytes(random, 32));
                }
                case Q4_0 -> {
                    out.putShort(randomScale(random));
                    out.put(randomBytes(random, 16));
                }
                case Q4_1 -> {
                    out.putShort(randomScale(random));
                    out.putShort(randomScale(random));
                    out.put(randomBytes(random, 16));
                }
                case Q5_0 -> {
                    out.putShort(randomScale(random));
                    out.putInt(random.nextInt());
                    out.put(randomBytes(random, 16));
                }
                case Q5_1 -> {
                    out.putShort(randomScale(random));
                    out.putShort(randomScale(random));
                    out.putInt(random.nextInt());
                    out.put(randomBytes(random, 16));
                }
                case Q2_K -> {
                    out.put(randomBytes(random, 16 + 64));      // scale/min nibbles, quants
                    out.putShort(randomScale(random));
                    out.putShort(randomScale(random));
                }
                case Q3_K -> {
                    out.put(randomBytes(random, 32 + 64 + 12)); // third bits, quants, 6-bit scales
                    out.putShort(randomScale(random));
                }
                case Q4_K -> {
                    out.putShort(randomScale(random));
                    out.putShort(randomScale(random));
                    out.put(randomBytes(random, 12 + 128));     // 6-bit scales and mins, nibbles
                }
                case Q5_K -> {
                    out.putShort(randomScale(random));
                    out.putShort(randomScale(random));
                    out.put(randomBytes(random, 12 + 32 + 128)); // 6-bit scales and mins, fifth bits, nibbles
                }
                case Q6_K -> {
                    out.put(randomBytes(random, 128 + 64 + 16)); // low nibbles, high bits, int8 scales
                    out.putShort(randomScale(random));
                }
                case Q8_K -> {
                    out.putFloat(Float.float16ToFloat(randomScale(random)));
                    out.put(randomBytes(random, 256 + 32));      // quants, group sums (unused by decoding)
                }
                default -> throw new IllegalArgumentException("no test data for " + type);
            }
        }
        if (out.hasRemaining()) {
            throw new AssertionError(type + " test data filled " + out.position() + " of " + out.capacity() + " bytes");
        }
        return out.array();
    }

    /**
     * Copies {@code bytes} into {@code arena} so that they start {@code shift} bytes past the start
     * of an allocation (which is aligned), e.g. shift 1 for an odd address.
     */
    static MemorySegment place(Arena arena, byte[] bytes, int shift) {
        MemorySegment whole = arena.allocate(bytes.length + shift + 8L, 64);
        MemorySegment slice = whole.asSlice(shift, bytes.length);
        MemorySegment.copy(bytes, 0, slice, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return slice;
    }

    /** Block bytes built field by field, for hand-made known-value blocks. */
    static ByteBuffer block(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Any finite half, both signs: one in 8 subnormal or zero, the rest any exponent from 1 to 30. */
    private static short randomHalf(Random random) {
        int exponent = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(30);
        return (short) (random.nextInt(2) << 15 | exponent << 10 | random.nextInt(1 << 10));
    }

    /**
     * A bfloat16 in a range where products with activations neither overflow nor underflow to
     * nothing (about 2^-30 to 2^30), plus one in 20 subnormal.
     */
    private static short randomBfloat(Random random) {
        int exponent = random.nextInt(20) == 0 ? 0 : 127 - 30 + random.nextInt(61);
        return (short) (random.nextInt(2) << 15 | exponent << 7 | random.nextInt(1 << 7));
    }

    /**
     * A block scale or minimum as real files have them: magnitude about 2^-12 to 2^-1, either sign,
     * and one in 10 an f16 subnormal so that the f16 decoding of scales is covered too.
     */
    private static short randomScale(Random random) {
        int sign = random.nextInt(2) << 15;
        if (random.nextInt(10) == 0) {
            return (short) (sign | 1 + random.nextInt((1 << 10) - 1));
        }
        return (short) (sign | Float.floatToFloat16(
                (float) Math.scalb(1 + random.nextDouble(), -12 + random.nextInt(12))) & 0x7FFF);
    }

    private static byte[] randomBytes(Random random, int count) {
        byte[] bytes = new byte[count];
        random.nextBytes(bytes);
        return bytes;
    }
}
