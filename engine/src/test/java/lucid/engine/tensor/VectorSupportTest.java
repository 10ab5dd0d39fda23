package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;

import org.junit.jupiter.api.Test;

/** How {@link VectorSupport} reads its properties, tested on its decision functions. */
class VectorSupportTest {

    @Test
    void forcedWidthsPickTheMatchingSpecies() {
        assertEquals(FloatVector.SPECIES_64, VectorSupport.chooseSpecies("64"));
        assertEquals(FloatVector.SPECIES_128, VectorSupport.chooseSpecies("128"));
        assertEquals(FloatVector.SPECIES_256, VectorSupport.chooseSpecies(" 256 "));
        assertEquals(FloatVector.SPECIES_512, VectorSupport.chooseSpecies("512"));
        assertEquals(FloatVector.SPECIES_PREFERRED, VectorSupport.chooseSpecies(null));
    }

    @Test
    void anInvalidWidthNamesTheProperty() {
        var e = assertThrows(IllegalStateException.class, () -> VectorSupport.chooseSpecies("1024"));
        assertEquals("system property lucid.vector.bits must be 64, 128, 256 or 512, got '1024'", e.getMessage());
    }

    @Test
    void vectorPathIsOnUnlessTurnedOffOrTheCpuIsTooNarrow() {
        assertTrue(VectorSupport.isEnabled(false, false, 256));
        assertTrue(VectorSupport.isEnabled(false, false, 128));
        assertFalse(VectorSupport.isEnabled(false, false, 64));
        assertTrue(VectorSupport.isEnabled(false, true, 64), "a forced width is honoured, 64 bits included");
        assertFalse(VectorSupport.isEnabled(true, true, 512));
        assertFalse(VectorSupport.isEnabled(true, false, 512));
    }

    @Test
    void describeNamesWidthAndLanes() {
        int bits = VectorSupport.FLOAT_SPECIES.vectorBitSize();
        if (VectorSupport.ENABLED) {
            assertTrue(VectorSupport.describe().startsWith("Vector API, " + bits + "-bit (" + bits / 32 + " floats)"),
                    VectorSupport.describe());
        } else {
            assertTrue(VectorSupport.describe().startsWith("scalar ("), VectorSupport.describe());
        }
    }

    @Test
    void helperSpeciesFitTheFloatSpecies() {
        int lanes = VectorSupport.FLOAT_SPECIES.length();
        assertEquals(lanes, VectorSupport.INT_SPECIES.length());
        assertEquals(0, 16 % VectorSupport.BYTE_SPECIES.length(), "a byte load must not cross 16 nibble bytes");
        assertEquals(lanes * VectorSupport.BYTE_PARTS, VectorSupport.BYTE_SPECIES.length());
        assertEquals(lanes * VectorSupport.SHORT_PARTS, VectorSupport.SHORT_SPECIES.length());
    }
}
