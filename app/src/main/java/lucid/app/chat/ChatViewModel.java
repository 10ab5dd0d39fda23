package lucid.app.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import lucid.app.common.TokenPump;
import lucid.engine.inference.GenerationEvent;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.StopReason;

/**
 * The conversation on screen: the branch from the root to the active leaf, the input, and the
 * commands on it (send, stop, regenerate, edit, delete, switch branch). Replies are generated on the
 * generation worker; their text reaches the screen through a {@link TokenPump} and the database every
 * {@link #SAVE_INTERVAL_MILLIS}, so a killed process loses at most that much of a reply.
 */
public final class ChatViewModel {

    public static final long SAVE_INTERVAL_MILLIS = 500;

    /** A prompt that does not fit, waiting for the user's choice. */
    public record OverflowRequest(int needed, int available) {
    }

    /** The user's answer to an {@link OverflowRequest}. */
    public enum OverflowChoice { TRUNCATE_OLDEST, REFUSE }

    private final ConversationStore store;
    private final ConversationListViewModel list;
    private final ReadOnlyObjectProperty<ChatEngine> engine;
    private final Executor worker;
    private final Executor fx;
    private final ScheduledExecutorService timer;

    private final ObservableList<MessageItem> messages = FXCollections.observableArrayList();
    private final StringProperty input = new SimpleStringProperty(this, "input", "");
    private final BooleanProperty generating = new SimpleBooleanProperty(this, "generating");
    private final ObjectProperty<ConversationSettings> settings =
            new SimpleObjectProperty<>(this, "settings", ConversationSettings.defaults());
    private final IntegerProperty contextLength = new SimpleIntegerProperty(this, "contextLength");
    private final IntegerProperty systemTokens = new SimpleIntegerProperty(this, "systemTokens");
    private final IntegerProperty historyTokens = new SimpleIntegerProperty(this, "historyTokens");
    private final IntegerProperty replyTokens = new SimpleIntegerProperty(this, "replyTokens");
    private final ObjectProperty<OverflowRequest> overflow = new SimpleObjectProperty<>(this, "overflow");
    private final StringProperty problem = new SimpleStringProperty(this, "problem");
    private final IntegerProperty finishedReplies = new SimpleIntegerProperty(this, "finishedReplies");
    private final ObjectProperty<DeletedMessages> undoableDelete = new SimpleObjectProperty<>(this, "undoableDelete");

    private ConversationTree tree = new ConversationTree(List.of());
    /** Probabilities of the replies generated in this run of the app, by message id. */
    private final java.util.Map<Long, ReplyProbabilities> probabilities = new java.util.HashMap<>();
    private long pendingParent;

    public ChatViewModel(ConversationStore store, ConversationListViewModel list,
                         ReadOnlyObjectProperty<ChatEngine> engine, Executor worker, Executor fx,
                         ScheduledExecutorService timer) {
        this.store = store;
        this.list = list;
        this.engine = engine;
        this.worker = worker;
        this.fx = fx;
        this.timer = timer;
        list.selectedProperty().addListener((obs, old, c) -> {
            if (old == null || c == null || old.id() != c.id()) {
                reload();
            }
            DeletedMessages d = undoableDelete.get();
            if (d != null && (c == null || c.id() != d.conversationId())) {
                undoableDelete.set(null);  // the offer belongs to the conversation it was made in
            }
        });
        engine.addListener((obs, old, e) -> refreshContext());
        reload();
    }

    /** What the last message delete removed, while its undo is on offer. */
    public record DeletedMessages(long conversationId, List<Long> ids, long previousLeaf) {
    }

    // ---- properties ----

    /** The last message delete of this conversation while it can be undone; null otherwise. */
    public ReadOnlyObjectProperty<DeletedMessages> undoableDeleteProperty() {
        return undoableDelete;
    }

    /** The loaded model's chat engine, or null while none is loaded. */
    public ReadOnlyObjectProperty<ChatEngine> engineProperty() {
        return engine;
    }

    public ObservableList<MessageItem> messages() {
        return messages;
    }

    public StringProperty inputProperty() {
        return input;
    }

    public BooleanProperty generatingProperty() {
        return generating;
    }

    /** The settings of the conversation on screen (or of the next one, before the first message). */
    public ObjectProperty<ConversationSettings> settingsProperty() {
        return settings;
    }

    public IntegerProperty contextLengthProperty() {
        return contextLength;
    }

    public IntegerProperty systemTokensProperty() {
        return systemTokens;
    }

    public IntegerProperty historyTokensProperty() {
        return historyTokens;
    }

    public IntegerProperty replyTokensProperty() {
        return replyTokens;
    }

    public ObjectProperty<OverflowRequest> overflowProperty() {
        return overflow;
    }

    /** A message for an error dialog; the view clears it once shown. */
    public StringProperty problemProperty() {
        return problem;
    }

    /** Counts finished replies: automation waits on it. */
    public IntegerProperty finishedRepliesProperty() {
        return finishedReplies;
    }

    // ---- commands ----

    public void send() {
        String text = input.get() == null ? "" : input.get().strip();
        if (text.isEmpty() || generating.get()) {
            return;
        }
        if (engine.get() == null) {
            problem.set("no-model");
            return;
        }
        Conversation c = list.selectedProperty().get();
        if (c == null) {
            c = list.create(title(text), settings.get());
        }
        long parent = messages.isEmpty() ? 0 : messages.getLast().id();
        StoredMessage user = store.addMessage(c.id(), parent, Role.USER, text, true);
        input.set("");
        startReply(c.id(), user.id(), false, null);
    }

    /** Esc: ends the running reply; what was written so far is kept. */
    public void stop() {
        ChatEngine e = engine.get();
        if (generating.get() && e != null) {
            e.cancel();
        }
    }

    /** A new reply beside this one (an assistant message) or to this one (a user message). */
    public void regenerate(MessageItem item) {
        Conversation c = list.selectedProperty().get();
        if (generating.get() || c == null || engine.get() == null) {
            return;
        }
        startReply(c.id(), item.role() == Role.ASSISTANT ? item.parentId() : item.id(), false, null);
    }

    /**
     * A new sibling of {@code reply} that keeps its first {@code tokenIndex} tokens, puts token
     * {@code tokenId} (an alternative the model considered there) in place of the next, and lets the
     * model continue from it, streaming like any reply. The tokens are used as recorded, never
     * tokenized again, and the engine's cached prefix is reused. Needs the reply's probabilities.
     *
     * @return whether the branch was started
     */
    public boolean branchFrom(MessageItem reply, int tokenIndex, int tokenId) {
        Conversation c = list.selectedProperty().get();
        ChatEngine e = engine.get();
        ReplyProbabilities p = reply.probabilitiesProperty().get();
        if (generating.get() || c == null || e == null || p == null || reply.role() != Role.ASSISTANT
                || tokenIndex < 0 || tokenIndex >= p.tokens().size()
                || tokenId < 0 || tokenId >= e.model().config().vocabSize()) {
            return false;
        }
        var tokenizer = e.model().tokenizer();
        int[] tokens = java.util.Arrays.copyOf(p.prompt(), p.prompt().length + tokenIndex + 1);
        var decoder = new lucid.engine.tokenizer.Utf8StreamDecoder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokenIndex; i++) {
            int id = p.tokens().get(i).id();
            tokens[p.prompt().length + i] = id;
            text.append(decoder.feed(tokenizer.tokenPiece(id, false)));
        }
        tokens[tokens.length - 1] = tokenId;
        List<lucid.engine.inspect.TokenProbability> before = new ArrayList<>(p.tokens().subList(0, tokenIndex));
        if (tokenizer.vocabulary().isEndOfGeneration(tokenId)) {
            // Picking "end here": the branch is the prefix; the end token's record is the alternative
            // as the model gave it at that point.
            text.append(decoder.flush());
            before.add(picked(p.tokens().get(tokenIndex), tokenId));
            StoredMessage m = store.addMessage(c.id(), reply.parentId(), Role.ASSISTANT, text.toString(), false);
            store.finishMessage(m.id(), text.toString(), null);
            ReplyProbabilities branch = new ReplyProbabilities(p.prompt(), before);
            store.saveProbabilities(m.id(), branch);
            probabilities.put(m.id(), branch);
            list.refresh();
            reload();
            return true;
        }
        text.append(decoder.feed(tokenizer.tokenPiece(tokenId, false)));
        startReply(c.id(), reply.parentId(), false,
                new Continuation(p.prompt(), tokens, p.prompt().length + tokenIndex, text.toString(),
                        decoder.pendingBytes(), before));
        return true;
    }

    /** The record of token {@code id} taken from the alternatives listed at {@code at}'s position. */
    private static lucid.engine.inspect.TokenProbability picked(lucid.engine.inspect.TokenProbability at, int id) {
        for (int r = 0; r < at.top().size(); r++) {
            var a = at.top().get(r);
            if (a.id() == id) {
                return new lucid.engine.inspect.TokenProbability(at.position(), id, a.piece(), a.prob(),
                        Math.log(a.prob()), r, at.entropy(), at.top(), false, null);
            }
        }
        throw new IllegalArgumentException("token " + id + " is not among the alternatives at " + at.position());
    }

    /**
     * A reply that continues a sibling's prefix instead of starting fresh.
     *
     * @param prompt     the prompt the sibling answered
     * @param tokens     that prompt, the kept reply tokens and the picked one
     * @param recordFrom the picked token's index in {@code tokens}: it and what follows are recorded
     * @param text       the text of the kept tokens and the picked one, up to the last whole character
     * @param heldBytes  the bytes after it: the start of a character the picked token split, which the
     *                   generated text completes
     * @param before     the sibling's records of the kept tokens
     */
    private record Continuation(int[] prompt, int[] tokens, int recordFrom, String text, byte[] heldBytes,
                                List<lucid.engine.inspect.TokenProbability> before) {
    }

    /** Saves {@code text} as a new sibling of {@code item}; an edited user message gets a fresh reply. */
    public void edit(MessageItem item, String text) {
        Conversation c = list.selectedProperty().get();
        if (generating.get() || c == null || text == null || text.isBlank() || text.equals(item.content())) {
            return;
        }
        StoredMessage m = store.addMessage(c.id(), item.parentId(), item.role(), text.strip(), true);
        if (item.role() == Role.USER && engine.get() != null) {
            startReply(c.id(), m.id(), false, null);
        } else {
            reload();
        }
    }

    /** Deletes the message and everything after it on its branch. */
    public void delete(MessageItem item) {
        Conversation c = list.selectedProperty().get();
        if (generating.get() || c == null) {
            return;
        }
        StoredMessage m = tree.get(item.id());
        List<StoredMessage> siblings = new ArrayList<>(tree.siblings(m));
        List<Long> removed = tree.subtree(item.id());
        long previousLeaf = store.conversation(c.id()).map(Conversation::activeLeaf).orElse(0L);
        removed.forEach(probabilities::remove);
        store.deleteMessages(removed);
        undoableDelete.set(new DeletedMessages(c.id(), List.copyOf(removed), previousLeaf));
        siblings.removeIf(s -> s.id() == item.id());
        long leaf = siblings.isEmpty() ? m.parentId() : tree.newestLeafUnder(siblings.getLast().id());
        store.setActiveLeaf(c.id(), leaf);
        list.refresh();
        reload();
    }

    /** Brings back what the last delete removed, with the branch that was shown before it. */
    public void undoDelete() {
        DeletedMessages d = undoableDelete.get();
        Conversation c = list.selectedProperty().get();
        if (d == null || generating.get() || c == null || c.id() != d.conversationId()) {
            return;
        }
        undoableDelete.set(null);
        store.restoreMessages(d.ids());
        store.setActiveLeaf(c.id(), d.previousLeaf());
        list.refresh();
        reload();
    }

    /** {@code ‹ 2/3 ›}: shows the previous ({@code -1}) or next ({@code +1}) sibling's branch. */
    public void switchBranch(MessageItem item, int delta) {
        Conversation c = list.selectedProperty().get();
        if (generating.get() || c == null) {
            return;
        }
        List<StoredMessage> siblings = tree.siblings(tree.get(item.id()));
        int i = item.siblingIndexProperty().get() + delta;
        if (i < 0 || i >= siblings.size()) {
            return;
        }
        store.setActiveLeaf(c.id(), tree.newestLeafUnder(siblings.get(i).id()));
        list.refresh();
        reload();
    }

    public void applySettings(ConversationSettings s) {
        settings.set(s);
        Conversation c = list.selectedProperty().get();
        if (c != null) {
            store.saveSettings(c.id(), s);
            list.refresh();
        }
        refreshContext();
    }

    /** The user's answer to the overflow warning. */
    public void resolveOverflow(OverflowChoice choice) {
        overflow.set(null);
        Conversation c = list.selectedProperty().get();
        if (c != null && choice == OverflowChoice.TRUNCATE_OLDEST) {
            startReply(c.id(), pendingParent, true, null);
        }
    }

    // ---- internals ----

    private static String title(String text) {
        String line = text.lines().findFirst().orElse(text).strip();
        return line.length() <= 48 ? line : line.substring(0, 47) + "…";
    }

    /** Rebuilds the branch on screen from the database. */
    public void reload() {
        Conversation c = list.selectedProperty().get();
        if (c == null) {
            tree = new ConversationTree(List.of());
            messages.clear();
            settings.set(settings.get() == null ? ConversationSettings.defaults() : settings.get());
            refreshContext();
            return;
        }
        Conversation fresh = store.conversation(c.id()).orElse(c);
        settings.set(fresh.settings());
        tree = new ConversationTree(store.messages(c.id()));
        java.util.Set<Long> recorded = store.messagesWithProbabilities(c.id());
        List<MessageItem> items = new ArrayList<>();
        for (StoredMessage m : tree.path(fresh.activeLeaf())) {
            List<StoredMessage> sib = tree.siblings(m);
            MessageItem item = new MessageItem(m, sib.indexOf(m), sib.size());
            item.probabilitiesProperty().set(probabilities(m.id(), recorded));
            items.add(item);
        }
        messages.setAll(items);
        refreshContext();
    }

    /** A reply's probabilities: from memory when this run has them, else as the database kept them. */
    private ReplyProbabilities probabilities(long messageId, java.util.Set<Long> recorded) {
        ReplyProbabilities p = probabilities.get(messageId);
        if (p == null && recorded.contains(messageId)) {
            p = store.probabilities(messageId).orElse(null);
            if (p != null) {
                probabilities.put(messageId, p);
            }
        }
        return p;
    }

    private List<PromptFormat.Turn> turnsUpTo(long leaf, ConversationSettings s) {
        List<PromptFormat.Turn> turns = new ArrayList<>();
        if (!s.systemPrompt().isBlank()) {
            turns.add(new PromptFormat.Turn(Role.SYSTEM, s.systemPrompt()));
        }
        for (StoredMessage m : tree.path(leaf)) {
            turns.add(new PromptFormat.Turn(m.role(), m.content()));
        }
        return turns;
    }

    private static int reserve(ConversationSettings s, int ctx) {
        return s.maxTokens() > 0 ? Math.min(s.maxTokens(), ctx / 2) : ctx / 4;
    }

    /** Token counts for the context bar, computed on the worker. */
    private void refreshContext() {
        ChatEngine e = engine.get();
        ConversationSettings s = settings.get();
        if (e == null || s == null) {
            contextLength.set(0);
            systemTokens.set(0);
            historyTokens.set(0);
            replyTokens.set(0);
            return;
        }
        long leaf = messages.isEmpty() ? 0 : messages.getLast().id();
        List<PromptFormat.Turn> turns = turnsUpTo(leaf, s);
        int ctx = e.effectiveContext(s.contextLength());
        contextLength.set(ctx);
        worker.execute(() -> {
            int sys = s.systemPrompt().isBlank() ? 0 : e.countTokens(s.systemPrompt());
            int all = turns.isEmpty() ? 0 : e.tokenize(e.format().render(turns, false)).length;
            fx.execute(() -> {
                if (!generating.get()) {
                    systemTokens.set(Math.min(sys, all));
                    historyTokens.set(Math.max(0, all - sys));
                    replyTokens.set(0);
                }
            });
        });
    }

    private void startReply(long conversationId, long parentId, boolean truncate, Continuation continuation) {
        ChatEngine e = engine.get();
        ConversationSettings s = settings.get();
        tree = new ConversationTree(store.messages(conversationId));
        List<PromptFormat.Turn> turns = turnsUpTo(parentId, s);
        String start = continuation == null ? "" : continuation.text();
        StoredMessage reply = store.addMessage(conversationId, parentId, Role.ASSISTANT, start, false);
        list.refresh();
        reload();
        MessageItem item = messages.getLast();
        item.interruptedProperty().set(false);
        item.streamingProperty().set(true);
        generating.set(true);
        replyTokens.set(0);
        int ctx = e.effectiveContext(s.contextLength());
        AtomicInteger generated = new AtomicInteger();
        long started = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong firstToken = new java.util.concurrent.atomic.AtomicLong(-1);
        StringBuilder shown = new StringBuilder(start);
        TokenPump pump = new TokenPump(fx, timer, text -> {
            shown.append(text);
            item.contentProperty().set(shown.toString());
            int n = generated.get();
            replyTokens.set(n);
            // Live stats while it streams; the final ones replace them when it ends.
            long first = firstToken.get();
            double seconds = first < 0 ? 0 : (System.nanoTime() - first) / 1e9;
            item.statsProperty().set(new MessageStats(n, seconds <= 0 || n <= 1 ? 0 : (n - 1) / seconds,
                    first < 0 ? -1 : (first - started) / 1_000_000, 0, null));
        });
        worker.execute(() -> {
            ChatEngine.Prompt prompt;
            try {
                prompt = continuation != null ? new ChatEngine.Prompt(continuation.prompt(), 0, 0)
                        : e.prompt(turns, ctx, reserve(s, ctx), truncate || s.overflow() == OverflowPolicy.TRUNCATE_OLDEST);
            } catch (RuntimeException ex) { // a chat template that refuses the conversation
                store.deleteMessages(List.of(reply.id()));
                store.setActiveLeaf(conversationId, parentId);
                fx.execute(() -> {
                    generating.set(false);
                    reload();
                    problem.set(String.valueOf(ex.getMessage()));
                });
                return;
            } catch (ChatEngine.ContextOverflowException ex) {
                store.deleteMessages(List.of(reply.id()));
                store.setActiveLeaf(conversationId, parentId);
                fx.execute(() -> {
                    generating.set(false);
                    pendingParent = parentId;
                    reload();
                    if (s.overflow() == OverflowPolicy.REFUSE) {
                        problem.set("context-refused");
                    } else {
                        overflow.set(new OverflowRequest(ex.needed(), ex.available()));
                    }
                });
                return;
            }
            if (continuation == null) {
                fx.execute(() -> {
                    systemTokens.set(prompt.systemTokens());
                    historyTokens.set(prompt.historyTokens());
                });
            }
            StringBuilder text = new StringBuilder(start);
            long[] lastSave = {System.currentTimeMillis()};
            GenerationResult result;
            List<lucid.engine.inspect.TokenProbability> recorded =
                    new ArrayList<>(continuation == null ? List.of() : continuation.before());
            int[] input = continuation == null ? prompt.tokens() : continuation.tokens();
            int recordFrom = continuation == null ? input.length : continuation.recordFrom();
            try {
                result = e.generate(input, s.sampling(), ctx, event -> {
                    String delta = switch (event) {
                        case GenerationEvent.TokenGenerated t -> {
                            if (generated.incrementAndGet() == 1) {
                                firstToken.set(System.nanoTime());
                            }
                            yield t.text();
                        }
                        case GenerationEvent.TrailingText t -> t.text();
                        case GenerationEvent.PromptProcessed p -> "";
                        case GenerationEvent.Finished f -> "";
                    };
                    if (!delta.isEmpty()) {
                        text.append(delta);
                        pump.offer(delta);
                    }
                    long now = System.currentTimeMillis();
                    if (now - lastSave[0] >= SAVE_INTERVAL_MILLIS) {
                        store.updateContent(reply.id(), text.toString());
                        lastSave[0] = now;
                    }
                }, recorded::add, recordFrom, continuation == null ? new byte[0] : continuation.heldBytes());
            } catch (RuntimeException ex) {
                store.finishMessage(reply.id(), text.toString(), null);
                fx.execute(() -> {
                    pump.drain();
                    item.statsProperty().set(null);
                    item.streamingProperty().set(false);
                    generating.set(false);
                    problem.set(String.valueOf(ex.getMessage()));
                });
                return;
            }
            MessageStats stats = MessageStats.of(result.timings(), result.reason());
            String full = start + result.text();
            store.finishMessage(reply.id(), full, stats);
            ReplyProbabilities replyProbabilities = new ReplyProbabilities(prompt.tokens(), recorded);
            try {
                store.saveProbabilities(reply.id(), replyProbabilities);
            } catch (ConversationStore.StoreException ex) {
                // The reply is saved; only its probabilities will be missing after a restart.
                System.err.println("lucid: " + ex.getMessage());
            }
            fx.execute(() -> {
                pump.drain();
                probabilities.put(reply.id(), replyProbabilities);
                item.probabilitiesProperty().set(replyProbabilities);
                item.contentProperty().set(full);
                item.statsProperty().set(stats);
                item.streamingProperty().set(false);
                replyTokens.set(result.timings().generatedTokens());
                generating.set(false);
                if (result.reason() == StopReason.CANCELLED) {
                    item.interruptedProperty().set(false);
                }
                finishedReplies.set(finishedReplies.get() + 1);
            });
        });
    }
}
