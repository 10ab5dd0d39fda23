package lucid.engine.model;

/**
 * Which pairs of a head's dimensions rotary position embedding rotates together.
 */
public enum RopeType {
    /** Adjacent pairs (2i, 2i+1): Llama as llama.cpp's converter lays out its Q and K weights. */
    NORMAL,
    /** Pairs (i, i + rotated/2): GPT-NeoX style, used by Qwen, Gemma, Phi-3. */
    NEOX
}
