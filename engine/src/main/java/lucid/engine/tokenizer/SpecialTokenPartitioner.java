package lucid.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts special tokens out of text before a subword algorithm sees it; shared by every tokenizer
 * type (llama.cpp's {@code tokenizer_st_partition}).
 *
 * <p>Each special token, longest first, is searched in every text fragment still left, and each
 * match splits its fragment into text / token / text. Doing one token at a time over the whole
 * text (rather than one left-to-right scan) is what llama.cpp does, and the two disagree when
 * specials overlap, so we keep its order.
 *
 * <p>With {@code parseSpecial} false, control and unknown tokens stay plain text, but user-defined
 * tokens are still cut out (Hugging Face treats added tokens the same way); Phi-3's {@code </s>}
 * is such a token. A token's {@link Vocabulary#lstrip lstrip}/{@link Vocabulary#rstrip rstrip}
 * attribute also drops the ASCII whitespace next to it.
 */
final class SpecialTokenPartitioner {

    /** A piece of the input: text still to be tokenized, or a special token already decided. */
    sealed interface Fragment permits Text, Special {
    }

    /** {@code text.substring(start, end)} of the partitioned string; never empty. */
    record Text(int start, int end) implements Fragment {
    }

    record Special(int id) implements Fragment {
    }

    private final Vocabulary vocabulary;

    SpecialTokenPartitioner(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Text(0, text.length()));
        for (int id : vocabulary.specialTokensLongestFirst()) {
            if (!parseSpecial && vocabulary.type(id).isHiddenUnlessSpecial()) {
                continue;
            }
            String special = vocabulary.text(id);
            // Cheap pre-check so that vocabularies with thousands of specials cost one scan each.
            if (text.indexOf(special) >= 0) {
                fragments = split(fragments, text, id, special);
            }
        }
        return fragments;
    }

    private List<Fragment> split(List<Fragment> fragments, String text, int id, String special) {
        boolean lstrip = vocabulary.lstrip(id);
        boolean rstrip = vocabulary.rstrip(id);
        List<Fragment> out = new ArrayList<>(fragments.size() + 2);
        for (Fragment fragment : fragments) {
            if (!(fragment instanceof Text(int start, int end))) {
                out.add(fragment);
                continue;
            }
            int from = start;
            while (from < end) {
                int match = text.indexOf(special, from);
                if (match < 0 || match + special.length() > end) {
                    break;
                }
                int leftEnd = match;
                if (lstrip) {
                    while (leftEnd > from && isCSpace(text.charAt(leftEnd - 1))) {
                        leftEnd--;
                    }
                }
                if (leftEnd > from) {
                    out.add(new Text(from, leftEnd));
                }
                out.add(new Special(id));
                from = match + special.length();
                if (rstrip) {
                    while (from < end && isCSpace(text.charAt(from))) {
                        from++;
                    }
                }
            }
            if (from < end) {
                out.add(new Text(from, end));
            }
        }
        return out;
    }

    /** C's isspace in the "C" locale, which llama.cpp applies byte by byte. */
    private static boolean isCSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }
}
