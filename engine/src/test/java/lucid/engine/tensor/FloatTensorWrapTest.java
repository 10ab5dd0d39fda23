package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link FloatTensor#wrap} picks the class for each type, and bad arguments fail with a clear message. */
class FloatTensorWrapTest {

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void everySupportedTypeWrapsAndEveryOtherIsRefusedByName(GgmlType type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(type.typeSize() * 4L);
            long size = type.blockSize() * 4L;
            if (type.isSupported()) {
                FloatTensor tensor = FloatTensor.wrap(type, data, size);
                assertEquals(type, tensor.type());
                assertEquals(size, tensor.size());
                assertEquals(type.name() + "Tensor", tensor.getClass().getSimpleName());
            } else {
                var e = assertThrows(UnsupportedOperationException.class, () -> FloatTensor.wrap(type, data, size));
                String supported = "F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, BF16";
                assertEquals("tensor type " + type + " is not supported (supported: " + supported + ")", e.getMessage());
            }
        }
    }

    @Test
    void tooFewBytesAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(18 * 2 - 1);
            var e = assertThrows(IllegalArgumentException.class, () -> FloatTensor.wrap(GgmlType.Q4_0, data, 64));
            assertEquals("Q4_0 tensor of 64 weights needs 36 bytes, got 35", e.getMessage());
        }
    }

    @Test
    void rangesOutsideTheTensorOrAcrossBlocksAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = FloatTensor.wrap(GgmlType.Q8_0, arena.allocate(34 * 3), 96);
            float[] x = new float[96];
            float[] out = new float[96];
            assertThrows(IndexOutOfBoundsException.class, () -> tensor.dot(64, x, 0, 64));
            assertThrows(IndexOutOfBoundsException.class, () -> tensor.dequantize(-32, out, 0, 32));
            var e = assertThrows(IllegalArgumentException.class, () -> tensor.dot(16, x, 0, 32));
            assertEquals("Q8_0 weights are read in whole blocks of 32, got offset 16 and length 32", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tensor.dequantize(0, out, 0, 40));
            assertThrows(IndexOutOfBoundsException.class, () -> tensor.dot(0, new float[95], 0, 96));
        }
    }
}
