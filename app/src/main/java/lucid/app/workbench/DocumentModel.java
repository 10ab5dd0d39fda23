package lucid.app.workbench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The document being edited, as properties the workbench's views bind to: variants with their
 * examples, the values table, the sampling columns and the test cases. {@link #snapshot()} turns
 * it into a {@link WorkbenchDocument}, checking every number and assertion on the way.
 */
public final class DocumentModel {

    /** A few-shot example row. */
    public static final class ExampleModel {
        public final StringProperty input = new SimpleStringProperty("");
        public final StringProperty output = new SimpleStringProperty("");

        public ExampleModel(String input, String output) {
            this.input.set(input);
            this.output.set(output);
        }
    }

    /** A variant being edited. */
    public static final class VariantModel {
        public final StringProperty id = new SimpleStringProperty();
        public final BooleanProperty chat = new SimpleBooleanProperty(true);
        public final StringProperty system = new SimpleStringProperty("");
        public final StringProperty user = new SimpleStringProperty("");
        public final ObservableList<ExampleModel> examples = FXCollections.observableArrayList();

        public VariantModel(PromptVariant v) {
            id.set(v.id());
            chat.set(v.chat());
            system.set(v.system());
            user.set(v.user());
            v.examples().forEach(e -> examples.add(new ExampleModel(e.input(), e.output())));
        }

        public PromptVariant variant() {
            return new PromptVariant(id.get(), chat.get(), system.get(),
                    examples.stream().map(e -> new PromptVariant.Example(e.input.get(), e.output.get())).toList(),
                    user.get());
        }
    }

    /** A row of the values table; {@code used} is false for a value no variant refers to any more. */
    public static final class ValueRow {
        public final String name;
        public final StringProperty value = new SimpleStringProperty("");
        public final BooleanProperty used = new SimpleBooleanProperty(true);

        public ValueRow(String name, String value) {
            this.name = name;
            this.value.set(value);
        }
    }

    /** A run matrix column's sampling settings, as typed (blank: the engine's default). */
    public static final class ColumnModel {
        public final StringProperty temperature = new SimpleStringProperty("");
        public final StringProperty topP = new SimpleStringProperty("");
        public final StringProperty topK = new SimpleStringProperty("");
        public final StringProperty seed = new SimpleStringProperty("");
        public final StringProperty maxTokens = new SimpleStringProperty("");

        public ColumnModel(PromptSuite.Settings s) {
            temperature.set(s.temperature() == null ? "" : trim(s.temperature()));
            topP.set(s.topP() == null ? "" : trim(s.topP()));
            topK.set(s.topK() == null ? "" : s.topK().toString());
            seed.set(s.seed() == null ? "" : s.seed().toString());
            maxTokens.set(s.maxTokens() == null ? "" : s.maxTokens().toString());
            this.kept = s;
        }

        /** Settings the table does not show (min-p, penalties, stop strings) are kept as they came. */
        private final PromptSuite.Settings kept;

        /** @throws IllegalArgumentException naming the field that is not a number */
        public PromptSuite.Settings settings() {
            return new PromptSuite.Settings(number(temperature, "temperature", Float::valueOf),
                    number(topK, "top-k", Integer::valueOf), number(topP, "top-p", Float::valueOf), kept.minP(),
                    kept.repeatPenalty(), number(seed, "seed", Long::valueOf),
                    number(maxTokens, "max tokens", Integer::valueOf), kept.stop());
        }

        /** A short label such as "T 0 · seed 1 · 32 tok". */
        public String label() {
            List<String> parts = new ArrayList<>();
            add(parts, "T ", temperature);
            add(parts, "top-p ", topP);
            add(parts, "top-k ", topK);
            add(parts, "seed ", seed);
            if (!maxTokens.get().isBlank()) {
                parts.add(maxTokens.get().strip() + " tok");
            }
            return parts.isEmpty() ? "defaults" : String.join(" · ", parts);
        }

        private static void add(List<String> parts, String prefix, StringProperty p) {
            if (!p.get().isBlank()) {
                parts.add(prefix + p.get().strip());
            }
        }

        private static <T> T number(StringProperty p, String what, java.util.function.Function<String, T> parse) {
            String s = p.get().strip();
            if (s.isEmpty()) {
                return null;
            }
            try {
                return parse.apply(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " must be a number, got '" + s + "'");
            }
        }

        private static String trim(float f) {
            return f == Math.rint(f) ? String.valueOf((long) f) : String.format(Locale.ROOT, "%s", f);
        }
    }

    /** A test case being edited: values of the variables and assertions as {@link AssertionText}. */
    public static final class TestModel {
        public final StringProperty description = new SimpleStringProperty("");
        public final javafx.collections.ObservableMap<String, String> vars =
                FXCollections.observableMap(new LinkedHashMap<>());
        public final StringProperty assertions = new SimpleStringProperty("");

        public TestModel(PromptSuite.TestCase t) {
            description.set(t.description());
            vars.putAll(t.vars());
            assertions.set(AssertionText.format(t.assertions()));
        }

        /** @throws IllegalArgumentException when an assertion line is wrong */
        public PromptSuite.TestCase testCase() {
            return new PromptSuite.TestCase(description.get(), vars, AssertionText.parse(assertions.get()));
        }
    }

    public final StringProperty name = new SimpleStringProperty("untitled");
    public final StringProperty description = new SimpleStringProperty("");
    public final ObservableList<VariantModel> variants = FXCollections.observableArrayList();
    public final ObservableList<ValueRow> values = FXCollections.observableArrayList();
    public final ObservableList<ColumnModel> columns = FXCollections.observableArrayList();
    public final ObservableList<TestModel> tests = FXCollections.observableArrayList();

    public DocumentModel(WorkbenchDocument doc) {
        load(doc);
    }

    public void load(WorkbenchDocument doc) {
        name.set(doc.name());
        description.set(doc.description());
        variants.setAll(doc.variants().stream().map(VariantModel::new).toList());
        values.setAll(doc.values().entrySet().stream().map(e -> new ValueRow(e.getKey(), e.getValue())).toList());
        columns.setAll(doc.columns().stream().map(ColumnModel::new).toList());
        tests.setAll(doc.tests().stream().map(TestModel::new).toList());
        syncValues();
    }

    /**
     * @throws IllegalArgumentException saying what is wrong (a number, an assertion, a duplicate id)
     */
    public WorkbenchDocument snapshot() {
        Map<String, String> vals = new LinkedHashMap<>();
        values.forEach(r -> vals.put(r.name, r.value.get()));
        List<PromptSuite.TestCase> cases = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            try {
                cases.add(tests.get(i).testCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("test " + (i + 1) + ", " + e.getMessage(), e);
            }
        }
        WorkbenchDocument doc = new WorkbenchDocument(name.get(), description.get(),
                variants.stream().map(VariantModel::variant).toList(), vals,
                columns.stream().map(ColumnModel::settings).toList(), cases);
        doc.toSuite(0); // checks ids are distinct
        return doc;
    }

    /** The variables any variant uses, in order of first appearance. */
    public Set<String> variables() {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (VariantModel v : variants) {
            try {
                names.addAll(v.variant().variables());
            } catch (IllegalArgumentException e) {
                // a variant without an id has no variables worth listing yet
            }
        }
        return names;
    }

    /** Adds a values row for each new variable and marks rows no variant uses. */
    public void syncValues() {
        Set<String> used = variables();
        for (String name : used) {
            if (values.stream().noneMatch(r -> r.name.equals(name))) {
                values.add(new ValueRow(name, ""));
            }
        }
        values.forEach(r -> r.used.set(used.contains(r.name)));
    }

    /** The values table as a map, blank values included. */
    public Map<String, String> valueMap() {
        Map<String, String> vals = new LinkedHashMap<>();
        values.forEach(r -> vals.put(r.name, r.value.get()));
        return vals;
    }

    /** A fresh variant id: p1, p2, ... the first one free. */
    public String freeId() {
        for (int i = 1; ; i++) {
            String id = "p" + i;
            if (variants.stream().noneMatch(v -> id.equals(v.id.get()))) {
                return id;
            }
        }
    }
}
