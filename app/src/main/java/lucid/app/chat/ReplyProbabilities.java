package lucid.app.chat;

import java.util.List;

import lucid.engine.inspect.TokenProbability;

/**
 * What the model thought of each token of a reply while it wrote it, kept in memory with the
 * message (not in the database): the prompt it answered and each generated token's probability,
 * rank, entropy and top alternatives.
 *
 * @param prompt the prompt tokens the reply continued, BOS included
 * @param tokens one entry per generated token, in order
 */
public record ReplyProbabilities(int[] prompt, List<TokenProbability> tokens) {
    public ReplyProbabilities {
        prompt = prompt.clone();
        tokens = List.copyOf(tokens);
    }

    /** The prompt followed by the generated tokens: the sequence the reply is part of. */
    public int[] sequence() {
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            all[prompt.length + i] = tokens.get(i).id();
        }
        return all;
    }
}
