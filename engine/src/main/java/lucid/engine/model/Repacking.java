package lucid.engine.model;

/**
 * Whether and when a load copies the weight matrices whose type has a faster layout for generation
 * (Q4_0, Q4_K, Q5_K and Q6_K: rows grouped by vector lane; {@link RepackedWeights}).
 */
public enum Repacking {
    /** No copies: every product reads the file mapping. */
    NONE,
    /**
     * The copies are made during the load, on several threads, so the model generates at full speed
     * from its first token and every run computes the same numbers; the load takes longer.
     */
    AT_LOAD,
    /**
     * The load maps the file and returns as fast as without copies; one background thread then makes
     * the copies, matrix by matrix, and each matrix's products read its copy once it is made. The
     * first tokens generated right after a load may still read the mapping, and their logits then
     * differ from a later run's in the last bits. Copies that would not fit in memory are not made.
     */
    IN_BACKGROUND
}
