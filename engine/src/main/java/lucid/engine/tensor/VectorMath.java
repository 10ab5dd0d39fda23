package lucid.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The exponential in float vector lanes, computed by the same steps whichever way the code runs.
 *
 * <p>{@code lanewise(VectorOperators.EXP)} is exact to an ulp or so, but which bits it returns depends
 * on who runs it: C2 calls a vectorized math library, while the Java code that runs before C2 compiles
 * a method (and on a CPU C2 has no stub for) calls {@link Math#exp} lane by lane. The activations of a
 * feed-forward layer and a softmax's weights would then differ in their last bit between a model's
 * first tokens and later ones, and those differences grow through the layers. Here only additions,
 * fused multiply-adds, a conversion of an integral float and bit operations are used, each exact by
 * the Java rules on every path, so a given input always gives the same output; the scalar overloads
 * take the same steps one lane at a time and give the very same bits, so a loop's tail agrees with its
 * vector body.
 *
 * <p>{@code e^x = 2^n · e^r} with {@code n} the integer nearest {@code x / ln 2} and
 * {@code |r| <= ln 2 / 2}; {@code e^r} by its Taylor series to the 7th power (the first term left out
 * is below 6e-9 there, a twentieth of an ulp), and {@code 2^n} as two powers of two built from their
 * bits, so that a result in the subnormal range is rounded once. Within about one ulp of the exact
 * value for results in the normal range (the test measures it against {@link Math#exp}).
 */
public final class VectorMath {

    private static final float LOG2_E = 1.4426950408889634f;
    // ln 2 as a part with few bits (n times it is exact for |n| < 2^15) and the rest.
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    // 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer (nearest, ties to even).
    private static final float ROUNDER = 12582912f;
    // Beyond these e^x is 0 or infinite in float; clamping first keeps n within two normal powers of two.
    private static final float LOWEST = -110f;
    private static final float HIGHEST = 100f;
    private static final float C2 = 1f / 2;
    private static final float C3 = 1f / 6;
    private static final float C4 = 1f / 24;
    private static final float C5 = 1f / 120;
    private static final float C6 = 1f / 720;
    private static final float C7 = 1f / 5040;
    private static final int EXPONENT_BIAS = 127;
    private static final int MANTISSA_BITS = 23;

    private VectorMath() {
    }

    /** {@code e^x} in every lane of {@code x}: NaN stays NaN, below about -103.97 gives 0, above about 88.72 infinity. */
    public static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(LOWEST).min(HIGHEST);
        FloatVector rounder = x.broadcast(ROUNDER);
        FloatVector n = c.fma(x.broadcast(LOG2_E), rounder).sub(rounder);
        FloatVector r = n.fma(x.broadcast(-LN2_HIGH), c);
        r = n.fma(x.broadcast(-LN2_LOW), r);
        FloatVector one = x.broadcast(1f);
        FloatVector p = r.fma(x.broadcast(C7), x.broadcast(C6));
        p = p.fma(r, x.broadcast(C5));
        p = p.fma(r, x.broadcast(C4));
        p = p.fma(r, x.broadcast(C3));
        p = p.fma(r, x.broadcast(C2));
        p = p.fma(r, one);
        p = p.fma(r, one);
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector first = half.add(EXPONENT_BIAS).lanewise(VectorOperators.LSHL, MANTISSA_BITS).reinterpretAsFloats();
        FloatVector second = k.sub(half).add(EXPONENT_BIAS).lanewise(VectorOperators.LSHL, MANTISSA_BITS)
                .reinterpretAsFloats();
        return p.mul(first).mul(second);
    }

    /** {@link #exp(FloatVector)} for one value, the same steps giving the same bits. */
    public static float exp(float x) {
        float c = Math.min(Math.max(x, LOWEST), HIGHEST);
        float n = Math.fma(c, LOG2_E, ROUNDER) - ROUNDER;
        float r = Math.fma(n, -LN2_HIGH, c);
        r = Math.fma(n, -LN2_LOW, r);
        float p = Math.fma(r, C7, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int k = (int) n;
        int half = k >> 1;
        float first = Float.intBitsToFloat((half + EXPONENT_BIAS) << MANTISSA_BITS);
        float second = Float.intBitsToFloat((k - half + EXPONENT_BIAS) << MANTISSA_BITS);
        return p * first * second;
    }
}
