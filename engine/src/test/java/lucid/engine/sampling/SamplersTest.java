package lucid.engine.sampling;

import static lucid.engine.sampling.CandidatesTest.filled;
import static lucid.engine.sampling.CandidatesTest.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The filters one by one, on hand-worked examples. */
class SamplersTest {

    /** ln of these probabilities: softmax gives them back exactly (up to float rounding). */
    private static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    // Token id -> probability; ids deliberately not in probability order.
    //   id:    0     1     2     3     4
    //   p:   0.15  0.05  0.50  0.10  0.20     ranked: 2, 4, 0, 3, 1
    private static final float[] FIVE = logitsOf(0.15, 0.05, 0.50, 0.10, 0.20);

    @Test
    void greedyPicksTheHighestLogit() {
        Candidates c = filled(0.1f, 2.5f, -3f, 2.4f);
        new GreedySampler().apply(c);
        assertEquals(1, c.selectedToken());
    }

    @Test
    void greedyTieGoesToTheLowestId() {
        Candidates c = filled(1f, 3f, 0f, 3f, 3f);
        new GreedySampler().apply(c);
        assertEquals(1, c.selectedToken());
    }

    @Test
    void temperatureScalesLogitsSoProbabilitiesAreSoftmaxOfLogitOverT() {
        // logits 1, 2, 3 at T = 0.5 become 2, 4, 6; exp(x - 6) = e^-4, e^-2, 1
        //   = 0.0183156, 0.1353353, 1; sum 1.1536509 -> 0.0158762, 0.1173104, 0.8668133
        Candidates cold = filled(1f, 2f, 3f);
        new TemperatureSampler(0.5f).apply(cold);
        assertEquals(2f, cold.logit(0));
        assertEquals(6f, cold.logit(2));
        cold.softmax();
        assertArrayEquals(new float[] {0.0158762f, 0.1173104f, 0.8668133f}, probs(cold), 1e-6f);

        // At T = 2: 0.5, 1, 1.5; exp(x - 1.5) = e^-1, e^-0.5, 1 = 0.3678794, 0.6065307, 1;
        // sum 1.9744101 -> 0.1863237, 0.3071959, 0.5064804: flatter than T = 1
        // (0.0900306, 0.2447285, 0.6652410).
        Candidates hot = filled(1f, 2f, 3f);
        new TemperatureSampler(2f).apply(hot);
        hot.softmax();
        assertArrayEquals(new float[] {0.1863237f, 0.3071959f, 0.5064804f}, probs(hot), 1e-6f);
    }

    @Test
    void temperatureZeroKeepsOnlyTheArgmaxLowestIdOnTies() {
        Candidates c = filled(0f, 7f, 7f, 1f);
        new TemperatureSampler(0f).apply(c);
        assertArrayEquals(new int[] {1}, ids(c));
    }

    @Test
    void topKKeepsExactlyTheKHighestInRankOrder() {
        Candidates c = filled(FIVE);
        new TopKSampler(3).apply(c);
        assertArrayEquals(new int[] {2, 4, 0}, ids(c));
        assertTrue(c.isSorted());
    }

    @Test
    void topKWithTiesAtTheCutKeepsTheLowerIds() {
        Candidates c = filled(1f, 2f, 1f, 1f, 0f);
        new TopKSampler(2).apply(c);
        assertArrayEquals(new int[] {1, 0}, ids(c));
    }

    @Test
    void topKOfZeroOrMoreThanSizeKeepsAll() {
        Candidates off = filled(FIVE);
        new TopKSampler(0).apply(off);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, ids(off), "k = 0 is off: not even reordered");
        Candidates big = filled(FIVE);
        new TopKSampler(10).apply(big);
        assertArrayEquals(new int[] {2, 4, 0, 3, 1}, ids(big));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // Ranked probabilities 0.50, 0.20, 0.15, 0.10, 0.05; running sums 0.50, 0.70, 0.85, 0.95, 1.
        assertArrayEquals(new int[] {2, 4}, topP(0.6f), "0.70 is the first sum >= 0.6");
        assertArrayEquals(new int[] {2, 4, 0}, topP(0.8f), "0.85 is the first sum >= 0.8");
        assertArrayEquals(new int[] {2, 4, 0, 3}, topP(0.9f), "0.95 is the first sum >= 0.9");
        assertArrayEquals(new int[] {2}, topP(0.3f), "the top token alone already reaches 0.3");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, topP(1.0f), "p = 1 is off");
    }

    @Test
    void topPKeepsAtLeastOneEvenForTinyP() {
        assertArrayEquals(new int[] {2}, topP(Float.MIN_VALUE));
    }

    @Test
    void topPBoundaryIsInclusive() {
        // Two equal logits give exactly 0.5 each (1 / (1 + 1) is exact in binary): at p = 0.5 the
        // first token alone reaches p, so one is kept; a strict > would keep both.
        Candidates c = filled(0f, 0f);
        new TopPSampler(0.5f).apply(c);
        assertArrayEquals(new int[] {0}, ids(c));
    }

    @Test
    void minPBoundaryIsInclusive() {
        // min-p 1 keeps exactly the tokens as likely as the best one (threshold = max + ln 1 = max).
        Candidates c = filled(1f, 0f, 1f);
        new MinPSampler(1f).apply(c);
        assertArrayEquals(new int[] {0, 2}, ids(c));
    }

    private static int[] topP(float p) {
        Candidates c = filled(FIVE);
        new TopPSampler(p).apply(c);
        return ids(c);
    }

    @Test
    void topPOnALargeVocabularyMatchesTheReference() {
        // Without top-k before it, top-p grows a sorted prefix in rounds; the nucleus here spans
        // several rounds (hundreds of tokens).
        SplittableRandom random = new SplittableRandom(11);
        int vocab = 50_000;
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (random.nextGaussian() * 2.0);
        }
        for (float p : new float[] {0.1f, 0.5f, 0.9f, 0.99f}) {
            Candidates c = new Candidates(vocab);
            c.fill(logits);
            new TopPSampler(p).apply(c);
            List<Integer> expected = ReferenceSampling.topP(logits, p);
            assertTrue(expected.size() > 1, "the example must keep more than one token");
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), ids(c),
                    "p=" + p);
        }
    }

    @Test
    void minPDropsTokensBelowPTimesTheMaxProbability() {
        // Max probability 0.50. min-p 0.25 -> threshold 0.125: keeps 0.15, 0.50, 0.20 (ids 0, 2, 4)
        // in their current order. min-p 0.35 -> threshold 0.175: keeps 0.50 and 0.20.
        assertArrayEquals(new int[] {0, 2, 4}, minP(0.25f));
        assertArrayEquals(new int[] {2, 4}, minP(0.35f));
        // Close to the cut on both sides: 0.302 x 0.5 = 0.151 just drops 0.15; 0.298 x 0.5 = 0.149
        // just keeps it (a 0.7% margin, far above float rounding of the logits).
        assertArrayEquals(new int[] {2, 4}, minP(0.302f));
        assertArrayEquals(new int[] {0, 2, 4}, minP(0.298f));
        assertArrayEquals(new int[] {2}, minP(1.0f), "only the maximum reaches 1 x itself");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, minP(0f), "0 is off");
    }

    private static int[] minP(float p) {
        Candidates c = filled(FIVE);
        new MinPSampler(p).apply(c);
        return ids(c);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNonPositiveLogits() {
        // Tokens 0 (logit 2), 1 (logit -1) and 3 (logit 0) were seen; repeat penalty 2:
        //   2 / 2 = 1,  -1 * 2 = -2,  0 * 2 = 0. Unseen tokens 2 and 4 keep 0.5 and 3.
        PenaltySampler penalties = new PenaltySampler(5, 64, 2f, 0f, 0f);
        for (int t : new int[] {0, 1, 3, 0}) {
            penalties.accept(t);
        }
        Candidates c = filled(2f, -1f, 0.5f, 0f, 3f);
        penalties.apply(c);
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 0f, 3f}, logits(c),
                "applied once per token, though token 0 was seen twice");
    }

    @Test
    void frequencyAndPresencePenaltiesSubtractCountTimesFrequencyPlusPresence() {
        // Window: 0, 0, 2. frequency 0.5, presence 0.25:
        //   token 0 (count 2): 2.0 - (2 * 0.5 + 0.25) = 0.75
        //   token 2 (count 1): 0.5 - (1 * 0.5 + 0.25) = -0.25
        PenaltySampler penalties = new PenaltySampler(4, 64, 1f, 0.5f, 0.25f);
        penalties.accept(0);
        penalties.accept(0);
        penalties.accept(2);
        Candidates c = filled(2f, 1f, 0.5f, -1f);
        penalties.apply(c);
        assertArrayEquals(new float[] {0.75f, 1f, -0.25f, -1f}, logits(c));
    }

    @Test
    void allPenaltiesTogetherRepeatFirstThenSubtract() {
        // token 0, logit 2, seen twice; repeat 2, frequency 0.5, presence 0.25:
        //   2 / 2 = 1, then 1 - (2 * 0.5 + 0.25) = -0.25
        PenaltySampler penalties = new PenaltySampler(2, 64, 2f, 0.5f, 0.25f);
        penalties.accept(0);
        penalties.accept(0);
        Candidates c = filled(2f, 1f);
        penalties.apply(c);
        assertArrayEquals(new float[] {-0.25f, 1f}, logits(c));
    }

    @Test
    void penaltiesOnlyLookAtTheLastNAcceptedTokens() {
        PenaltySampler penalties = new PenaltySampler(4, 2, 2f, 0f, 0f);
        for (int t : new int[] {0, 1, 2}) {
            penalties.accept(t);
        }
        assertEquals(0, penalties.count(0), "token 0 fell out of the window of 2");
        Candidates c = filled(4f, 4f, 4f, 4f);
        penalties.apply(c);
        assertArrayEquals(new float[] {4f, 2f, 2f, 4f}, logits(c));

        penalties.reset();
        Candidates fresh = filled(4f, 4f, 4f, 4f);
        penalties.apply(fresh);
        assertArrayEquals(new float[] {4f, 4f, 4f, 4f}, logits(fresh), "reset forgets the window");
    }

    @Test
    void penaltiesGiveTheSameResultOnReorderedCandidates() {
        // Straight after fill the sampler indexes by token id; on a sorted list it must look ids
        // up instead. Both paths must agree.
        PenaltySampler penalties = new PenaltySampler(5, 64, 1.5f, 0.1f, 0.2f);
        for (int t : new int[] {4, 1, 4, 0}) {
            penalties.accept(t);
        }
        float[] raw = {2f, -1f, 0.5f, 0f, 3f};
        Candidates byId = filled(raw);
        penalties.apply(byId);
        Candidates sorted = filled(raw);
        sorted.sort();
        penalties.apply(sorted);
        for (int i = 0; i < sorted.size(); i++) {
            assertEquals(byId.logit(sorted.id(i)), sorted.logit(i), "token " + sorted.id(i));
        }
    }

    private static float[] probs(Candidates c) {
        float[] p = new float[c.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = c.probability(i);
        }
        return p;
    }

    private static float[] logits(Candidates c) {
        float[] l = new float[c.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = c.logit(i);
        }
        return l;
    }
}
