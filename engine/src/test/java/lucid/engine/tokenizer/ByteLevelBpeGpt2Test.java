package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.SharedFixtures;

/**
 * The merge loop against a textbook reference on GPT-2's real 50,000 merges, and the encoding speed
 * on 100 KB of mixed text.
 */
class ByteLevelBpeGpt2Test {

    /**
     * The reference: rescan every adjacent pair, merge the lowest rank (leftmost of equal ranks),
     * repeat; O(n²) per word. Symbols are alphabet strings, which never contain a raw space.
     */
    private static List<String> referenceMerge(String spelledWord, Map<String, Integer> ranks) {
        List<String> symbols = new ArrayList<>();
        spelledWord.chars().forEach(c -> symbols.add(String.valueOf((char) c)));
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) {
                return symbols;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
    }

    @Test
    void heapMergeLoopMatchesTheReferenceOnRealMerges() throws IOException {
        GgufMetadata metadata = TokenizerFixtures.metadata(TokenizerFixtures.GPT_2);
        Vocabulary vocabulary = Vocabulary.fromGguf(metadata);
        String[] lines = metadata.getStringArray("tokenizer.ggml.merges").orElseThrow();
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < lines.length; i++) {
            ranks.putIfAbsent(lines[i], i);
        }
        BpeMerges merges = new BpeMerges(vocabulary, lines);
        assertEquals(50_000, merges.size());

        List<byte[]> words = new ArrayList<>();
        PreTokenizer gpt2 = PreTokenizer.forName("gpt-2").orElseThrow();
        String corpus = Files.readString(SharedFixtures.file("golden/story-visible.txt"))
                + Files.readString(SharedFixtures.file(TokenizerFixtures.GPT_2 + ".inp"));
        for (String word : gpt2.words(corpus)) {
            words.add(word.getBytes(StandardCharsets.UTF_8));
        }
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            byte[] word = new byte[1 + random.nextInt(24)];
            for (int j = 0; j < word.length; j++) {
                // Mostly lower-case letters and spaces so that long merges happen, some arbitrary bytes.
                int pick = random.nextInt(10);
                word[j] = (byte) (pick < 7 ? 'a' + random.nextInt(26) : pick < 8 ? ' ' : random.nextInt(256));
            }
            words.add(word);
        }

        int checked = 0;
        for (byte[] word : words) {
            String spelled = ByteLevelAlphabet.spell(word, 0, word.length);
            int[] expected = referenceMerge(spelled, ranks).stream()
                    .mapToInt(symbol -> vocabulary.id(symbol).orElseThrow(() -> new AssertionError(
                            "GPT-2 merges only make tokens, but made '" + symbol + "'")))
                    .toArray();
            assertArrayEquals(expected, merges.encodeWord(word, word.length), () -> "word '" + spelled + "'");
            checked++;
        }
        assertTrue(checked > 2_500, "words checked: " + checked);
    }

    /**
     * Times are this thread's CPU time: the machines running CI are shared, and wall time there
     * measures the neighbours as much as the tokenizer. Wall time is printed alongside.
     */
    @Test
    void encodesHundredKilobytesOfMixedTextWellUnderASecond() throws IOException {
        GgufMetadata metadata = TokenizerFixtures.metadata(TokenizerFixtures.GPT_2);
        Tokenizer fresh = Tokenizer.fromGguf(metadata); // loads classes and warms up the loader
        Timing build = Timing.of(() -> Tokenizer.fromGguf(metadata));

        String story = Files.readString(SharedFixtures.file("golden/story-visible.txt"));
        String familiar = repeatTo(story + "\nint count = 42;\t// comment\n\u5317\u4EAC\u6B22\u8FCE\u4F60 \uD83D\uDE00\n",
                100_000);
        String novel = randomText(new Random(7), 100_000);
        for (int seed = 100; seed < 104; seed++) {
            fresh.encode(randomText(new Random(seed), 100_000), false, false);
            fresh.encode(familiar, false, false);
        }
        Timing familiarTime = Timing.of(() -> fresh.encode(familiar, false, false));
        Timing novelTime = Timing.of(() -> fresh.encode(novel, false, false));
        int[] ids = fresh.encode(novel, false, false);
        assertEquals(novel, ByteLevelBpeTokenizerTest.joinedPieces(fresh, ids));
        System.out.printf("GPT-2 byte-level BPE (CPU ms / wall ms): build %s; 100 KB of repeated prose+code+CJK+emoji"
                + " %s; 100 KB of unseen mixed words %s (%d tokens)%n", build, familiarTime, novelTime, ids.length);
        // A few tens of milliseconds; the bound only catches a quadratic slip.
        assertTrue(familiarTime.cpuMillis < 1_000, "familiar text took " + familiarTime);
        assertTrue(novelTime.cpuMillis < 1_000, "unseen text took " + novelTime);
    }

    private record Timing(long cpuMillis, long wallMillis) {
        static Timing of(Runnable task) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            task.run();
            return new Timing((threads.getCurrentThreadCpuTime() - cpu) / 1_000_000, (System.nanoTime() - wall) / 1_000_000);
        }

        @Override
        public String toString() {
            return cpuMillis + " / " + wallMillis;
        }
    }

    private static String repeatTo(String unit, int chars) {
        return unit.repeat(chars / unit.length() + 1).substring(0, chars);
    }

    /** Words of Latin, Cyrillic, CJK, digits, emoji and code punctuation that mostly never repeat. */
    private static String randomText(Random random, int chars) {
        String[] alphabets = {"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                "\u0430\u0431\u0432\u0433\u0434\u0435\u0436\u0437\u0438\u043A\u043B\u043C\u043D",
                "\u4F60\u597D\u4E16\u754C\u5317\u4EAC\u6B22\u8FCE\u6211\u60F3\u5728\u5DE5\u4F5C", "0123456789",
                "(){}[];:=+-*/<>!?.,'\"", "\uD83D\uDE00\uD83D\uDC4D\uD83C\uDF89"};
        String[] spaces = {" ", " ", " ", " ", "\n", "  ", "\t"};
        StringBuilder sb = new StringBuilder(chars + 32);
        while (sb.length() < chars) {
            String alphabet = alphabets[random.nextInt(alphabets.length)];
            int length = 1 + random.nextInt(9);
            for (int i = 0; i < length; i++) {
                int at = random.nextInt(alphabet.length());
                if (Character.isHighSurrogate(alphabet.charAt(at))) {
                    sb.append(alphabet, at, at + 2);
                } else if (Character.isLowSurrogate(alphabet.charAt(at))) {
                    sb.append(alphabet, at - 1, at + 1);
                } else {
                    sb.append(alphabet.charAt(at));
                }
            }
            sb.append(spaces[random.nextInt(spaces.length)]);
        }
        return sb.toString();
    }
}
