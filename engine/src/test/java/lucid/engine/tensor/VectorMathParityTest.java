package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath#exp} against {@link Math#exp}, and the promise it and
 * {@link VectorSupport#sumLanes} make: the same bits on every path. A vector lane must equal the
 * scalar overload (or, for the sum, the scalar additions in the documented order) bit for bit, at every
 * float width, in every one of many rounds: the first rounds run as Java code, later ones compiled
 * by C2, and the Vector API's own exp and reduceLanes fail this once C2 takes over. Like the other
 * parity tests the build runs it at 128, 256 and 512 bits as well as the default width.
 */
class VectorMathParityTest {

    private static final int ROUNDS = 300;
    private static final int VALUES = 4096;

    @SuppressWarnings("unchecked")
    private static final VectorSpecies<Float>[] SPECIES = new VectorSpecies[] {
        FloatVector.SPECIES_64, FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512,
        VectorSupport.FLOAT_SPECIES};

    private static float ulp(float expected) {
        return Math.ulp(expected);
    }

    @Test
    void expIsWithinAnUlpOfMathExpAcrossTheFloatRange() {
        // Every 97th float from -104 to 89: about 20 million, through the subnormal results too.
        double worstNormal = 0;
        float worstAt = 0;
        for (int magnitude = 0; magnitude <= Float.floatToRawIntBits(104f); magnitude += 97) {
            for (float x : new float[] {Float.intBitsToFloat(magnitude), -Float.intBitsToFloat(magnitude)}) {
                double error = check(x);
                if (error > worstNormal) {
                    worstNormal = error;
                    worstAt = x;
                }
            }
        }
        assertTrue(worstNormal <= 1.0, "worst error " + worstNormal + " ulp at " + worstAt);
    }

    // The error in ulps of the float result for a normal result; for a subnormal or zero one, at most
    // one unit of the subnormal spacing (checked here), and an overflow must be infinite exactly when
    // the float-rounded exact value is.
    private static double check(float x) {
        float got = VectorMath.exp(x);
        double exact = Math.exp(x);
        float rounded = (float) exact;
        if (Float.isInfinite(rounded) || Float.isInfinite(got)) {
            // Within an ulp of the largest float either may round the other way; beyond, both overflow.
            if (x > 88.7229f || x < 88.7227f) {
                assertEquals(rounded, got, "exp(" + x + ")");
            }
            return 0;
        }
        if (Math.abs(rounded) < Float.MIN_NORMAL) {
            assertTrue(Math.abs(got - exact) <= Float.MIN_VALUE, "exp(" + x + ") = " + got + ", exactly " + exact);
            return 0;
        }
        return Math.abs(got - exact) / ulp(rounded);
    }

    @Test
    void expOfSpecialValues() {
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(1f, VectorMath.exp(-0f));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(1e30f));
        assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, VectorMath.exp(-104f));
        assertEquals(0f, VectorMath.exp(-1e30f));
        assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
        assertTrue(VectorMath.exp(88.72f) < Float.POSITIVE_INFINITY);
        assertTrue(VectorMath.exp(-103f) > 0f, "a subnormal result is kept");
        for (VectorSpecies<Float> species : SPECIES) {
            float[] in = new float[species.length()];
            in[0] = Float.NaN;
            if (in.length > 1) {
                in[1] = Float.NEGATIVE_INFINITY;
            }
            FloatVector e = VectorMath.exp(FloatVector.fromArray(species, in, 0));
            assertTrue(Float.isNaN(e.lane(0)), species + ": NaN");
            if (in.length > 1) {
                assertEquals(0f, e.lane(1), species + ": -infinity");
            }
        }
    }

    // Softmax scores (mostly negative, some far below), activations and gates, and the extremes.
    private static float[] values(SplittableRandom random) {
        float[] x = new float[VALUES];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 4) {
                case 0 -> (float) (random.nextGaussian() * 4);
                case 1 -> (float) -random.nextDouble(0, 120);
                case 2 -> (float) random.nextDouble(-110, 100);
                default -> Float.intBitsToFloat(random.nextInt());
            };
        }
        return x;
    }

    @Test
    void vectorExpHasTheScalarBitsInEveryRound() {
        SplittableRandom random = new SplittableRandom(0x5EED_E4Fl);
        float[] x = values(random);
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = VectorMath.exp(x[i]);
        }
        float[] out = new float[x.length];
        for (int round = 0; round < ROUNDS; round++) {
            for (VectorSpecies<Float> species : SPECIES) {
                for (int i = 0; i < x.length; i += species.length()) {
                    VectorMath.exp(FloatVector.fromArray(species, x, i)).intoArray(out, i);
                }
                for (int i = 0; i < x.length; i++) {
                    if (Float.floatToIntBits(out[i]) != Float.floatToIntBits(expected[i])) {
                        fail(species + ", round " + round + ": exp(" + x[i] + ") = " + out[i] + " in a lane, "
                                + expected[i] + " alone");
                    }
                }
            }
        }
    }

    // Lane i plus lane i + n/2, then the same on the first half, down to one lane.
    private static float pairwise(float[] lanes, int from, int n) {
        float[] t = java.util.Arrays.copyOfRange(lanes, from, from + n);
        for (int width = n / 2; width >= 1; width /= 2) {
            for (int i = 0; i < width; i++) {
                t[i] = t[i] + t[i + width];
            }
        }
        return t[0];
    }

    @Test
    void sumLanesAddsInItsDocumentedOrderInEveryRound() {
        SplittableRandom random = new SplittableRandom(0x5EED_5A1l);
        float[] x = new float[VALUES];
        for (int i = 0; i < x.length; i++) {
            // Magnitudes 2^-20 to 2^20 and both signs, so that another order rounds differently.
            x[i] = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(-20, 21)));
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (VectorSpecies<Float> species : SPECIES) {
                int n = species.length();
                for (int i = 0; i < x.length; i += n) {
                    float got = VectorSupport.sumLanes(FloatVector.fromArray(species, x, i));
                    float expected = pairwise(x, i, n);
                    if (Float.floatToIntBits(got) != Float.floatToIntBits(expected)) {
                        fail(species + ", round " + round + ", lanes from " + i + ": " + got + ", in order " + expected);
                    }
                }
            }
        }
    }
}
