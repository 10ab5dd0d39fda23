package lucid.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class CandidatesTest {

    static Candidates filled(float... logits) {
        Candidates c = new Candidates(logits.length);
        c.fill(logits);
        return c;
    }

    static int[] ids(Candidates c) {
        int[] out = new int[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.id(i);
        }
        return out;
    }

    @Test
    void fillLoadsTokensInIdOrder() {
        Candidates c = filled(0.5f, -1f, 2f);
        assertEquals(3, c.size());
        assertArrayEquals(new int[] {0, 1, 2}, ids(c));
        assertEquals(-1f, c.logit(1));
        assertFalse(c.isSorted());
        assertEquals(-1, c.selected());
        assertThrows(IndexOutOfBoundsException.class, () -> c.id(3));
    }

    @Test
    void softmaxIsStableForHugeLogits() {
        // exp(1000) overflows a double; subtracting the max gives exp(-1) and exp(0):
        // p0 = e^-1 / (1 + e^-1) = 0.26894142, p1 = 1 / (1 + e^-1) = 0.73105858.
        Candidates c = filled(1000f, 1001f);
        c.softmax();
        assertEquals(0.26894142f, c.probability(0), 1e-6f);
        assertEquals(0.73105858f, c.probability(1), 1e-6f);
    }

    @Test
    void softmaxGivesZeroToMinusInfinityAndRejectsAllMinusInfinity() {
        Candidates c = filled(Float.NEGATIVE_INFINITY, 0f, 0f);
        c.softmax();
        assertEquals(0f, c.probability(0));
        assertEquals(0.5f, c.probability(1), 1e-7f);
        Candidates dead = filled(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
        assertThrows(IllegalStateException.class, dead::softmax);
    }

    @Test
    void probabilitiesGoStaleWhenLogitsChange() {
        Candidates c = filled(1f, 2f);
        assertThrows(IllegalStateException.class, () -> c.probability(0));
        c.softmax();
        assertTrue(c.hasProbabilities());
        c.setLogit(0, 3f);
        assertFalse(c.hasProbabilities());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.probability(0));
        assertEquals("probabilities are stale: the candidates changed since the last softmax()",
                e.getMessage());
    }

    @Test
    void probabilitiesFollowTheirTokensThroughASort() {
        Candidates c = filled(1f, 3f, 2f);
        c.softmax();
        float p1 = c.probability(1);
        c.sort();
        assertArrayEquals(new int[] {1, 2, 0}, ids(c));
        assertEquals(p1, c.probability(0));
        assertTrue(c.hasProbabilities(), "sorting does not change the distribution");
    }

    @Test
    void sortRanksHigherLogitFirstAndLowerIdFirstOnTies() {
        Candidates c = filled(1f, 5f, -2f, 5f, 1f, 0f, -0f);
        c.sort();
        assertArrayEquals(new int[] {1, 3, 0, 4, 5, 6, 2}, ids(c));
        assertTrue(c.isSorted());
    }

    @Test
    void argmaxPicksLowestIdAmongEqualLogitsWhateverThePositions() {
        // Sorting puts token 3 before token 1; then both get the same best logit.
        Candidates c = filled(1f, 2f, 3f, 4f);
        c.sort();
        assertArrayEquals(new int[] {3, 2, 1, 0}, ids(c));
        c.setLogit(0, 9f);  // token 3
        c.setLogit(2, 9f);  // token 1
        assertEquals(2, c.argmax());
        assertEquals(1, c.id(c.argmax()));
    }

    @Test
    void rankKeyRoundTripsAndOrders() {
        float[] values = {Float.NEGATIVE_INFINITY, -1e30f, -2f, -1f, -Float.MIN_VALUE, 0f,
                Float.MIN_VALUE, 1f, 2f, 1e30f, Float.POSITIVE_INFINITY};
        for (int i = 0; i < values.length; i++) {
            long k = Candidates.rankKey(values[i], 123);
            assertEquals(values[i], Candidates.logitOfKey(k));
            assertEquals(123, (int) k);
            if (i > 0) {
                assertTrue(Candidates.rankKey(values[i], 0) < Candidates.rankKey(values[i - 1], 0),
                        values[i] + " ranks before " + values[i - 1]);
            }
        }
        assertTrue(Candidates.rankKey(1f, 4) < Candidates.rankKey(1f, 5), "lower id first on ties");
        assertEquals(Candidates.rankKey(0f, 7), Candidates.rankKey(-0f, 7), "-0 equals 0");
    }

    @Test
    void sortTopMatchesAFullReferenceSortOnALargeVocabulary() {
        SplittableRandom random = new SplittableRandom(7);
        int vocab = 32_000;
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            // Coarse values so that many logits tie and the id tie-break is exercised.
            logits[i] = (float) Math.round(random.nextGaussian() * 40) / 8f;
        }
        int[] reference = ReferenceSampling.rank(logits);
        Candidates c = new Candidates(vocab);
        for (int k : new int[] {1, 2, 40, 1000, vocab - 1, vocab}) {
            c.fill(logits);
            c.sortTop(k);
            assertEquals(vocab, c.size(), "sortTop does not drop candidates");
            for (int i = 0; i < k; i++) {
                assertEquals(reference[i], c.id(i), "k=" + k + ", position " + i);
                assertEquals(logits[reference[i]], c.logit(i));
            }
        }
        // Growing the prefix step by step, as top-p does, reaches the same order.
        c.fill(logits);
        for (int k = 64; k < vocab; k *= 2) {
            c.sortTop(k);
        }
        c.sort();
        assertArrayEquals(reference, ids(c));
    }

    @Test
    void sortTopHandlesPresortedInputsBothWays() {
        // Ascending logits make every token beat the heap's worst (its worst case); descending
        // makes none after the first k. Both must give the same answer as the definition.
        int vocab = 10_000;
        float[] ascending = new float[vocab];
        float[] descending = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            ascending[i] = i * 0.001f;
            descending[i] = -i * 0.001f;
        }
        Candidates c = new Candidates(vocab);
        c.fill(ascending);
        c.sortTop(40);
        for (int i = 0; i < 40; i++) {
            assertEquals(vocab - 1 - i, c.id(i));
        }
        c.fill(descending);
        c.sortTop(40);
        for (int i = 0; i < 40; i++) {
            assertEquals(i, c.id(i));
        }
        // The candidates behind the prefix are all still there, exactly once.
        boolean[] seen = new boolean[vocab];
        for (int i = 0; i < vocab; i++) {
            seen[c.id(i)] = true;
            assertEquals(descending[c.id(i)], c.logit(i), "logit travels with its token");
        }
        for (boolean b : seen) {
            assertTrue(b);
        }
    }

    @Test
    void truncateKeepsThePrefixAndRefusesToEmpty() {
        Candidates c = filled(3f, 1f, 2f);
        c.sort();
        c.truncate(2);
        assertArrayEquals(new int[] {0, 2}, ids(c));
        assertTrue(c.isSorted());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.truncate(0));
        assertEquals("newSize must be in [1, 2], got 0", e.getMessage());
    }

    @Test
    void retainLogitsAtLeastKeepsOrderAndSortedness() {
        Candidates c = filled(0f, 5f, 1f, 4f, 2f);
        assertEquals(3, c.retainLogitsAtLeast(2f));
        assertArrayEquals(new int[] {1, 3, 4}, ids(c));
        assertFalse(c.isSorted());

        Candidates sorted = filled(0f, 5f, 1f, 4f, 2f);
        sorted.sort();
        sorted.retainLogitsAtLeast(2f);
        assertArrayEquals(new int[] {1, 3, 4}, ids(sorted));
        assertTrue(sorted.isSorted());

        Candidates none = filled(0f, 1f);
        assertEquals(0, none.retainLogitsAtLeast(9f));
        assertEquals(2, none.size(), "keeping nothing leaves the set unchanged");
    }

    @Test
    void keepOnlyAndSelect() {
        Candidates c = filled(0f, 5f, 1f);
        c.keepOnly(2);
        assertEquals(1, c.size());
        assertEquals(2, c.id(0));
        assertThrows(IllegalStateException.class, c::selectedToken);
        c.select(0);
        assertEquals(2, c.selectedToken());
    }

    @Test
    void fillRejectsMoreLogitsThanCapacity() {
        Candidates c = new Candidates(2);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> c.fill(new float[3]));
        assertEquals("expected 1 to 2 logits, got 3", e.getMessage());
    }
}
