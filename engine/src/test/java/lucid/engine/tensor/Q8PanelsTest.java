package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class Q8PanelsTest {

    @Test
    void lanesInterleaveEachGroupsHalvesAndCoverThePanel() {
        Q8Panels panels = new Q8Panels(64, 32);
        boolean[] seen = new boolean[64];
        for (int t = 0; t < 64; t++) {
            int lane = panels.lane(t);
            assertTrue(!seen[lane], "lane " + lane + " taken twice");
            seen[lane] = true;
        }
        // First half of a group in the even lanes, second half in the odd ones, group by group.
        assertEquals(0, panels.lane(0));
        assertEquals(2, panels.lane(1));
        assertEquals(1, panels.lane(16));
        assertEquals(31, panels.lane(31));
        assertEquals(32, panels.lane(32));
        assertEquals(33, panels.lane(48));
    }

    @Test
    void eachTokenIsQuantizedAsAloneAndPaddingIsZero() {
        int cols = 96;
        int batch = 21; // a whole panel of 16 and a padded one of 5
        SplittableRandom random = new SplittableRandom(11);
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * (i % 7 == 0 ? 20 : 1);
        }
        Q8Panels panels = new Q8Panels(16, 8);
        panels.reserve(2, cols);
        // Dirty the arrays first, as a longer earlier batch would.
        java.util.Arrays.fill(panels.quants(), (short) 99);
        java.util.Arrays.fill(panels.scales(), 5f);
        Q8Activations scratch = new Q8Activations();
        panels.fill(x, batch, 0, scratch);
        panels.fill(x, batch, 1, scratch);
        Q8Activations alone = new Q8Activations();
        for (int b = 0; b < 32; b++) {
            if (b < batch) {
                alone.quantize(x, b * cols, cols, 0);
            }
            for (int k = 0; k < cols; k++) {
                float expected = b < batch ? alone.get(k) : 0f;
                assertEquals(expected, panels.get(b / 16, b % 16, k), "token " + b + " column " + k);
            }
            for (int blk = 0; blk < cols / 32; blk++) {
                int at = ((b / 16) * (cols / 32) + blk) * 16 + b % 16;
                assertEquals(b < batch ? alone.sum[blk] : 0f, panels.sums()[at], "token " + b + " block sum " + blk);
            }
        }
    }

    @Test
    void refusesRowsOfPartBlocksAndOddGroups() {
        assertThrows(IllegalArgumentException.class, () -> new Q8Panels(64, 24 + 1));
        assertThrows(IllegalArgumentException.class, () -> new Q8Panels(60, 32));
        assertThrows(IllegalArgumentException.class, () -> new Q8Panels(64, 32).reserve(1, 48));
    }
}
