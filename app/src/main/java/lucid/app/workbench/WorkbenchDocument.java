package lucid.app.workbench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the workbench saves as one version: prompt variants, the values of their variables,
 * the sampling settings compared in the run matrix (one column each) and the test cases.
 *
 * @param name        what the user calls the document; versions are kept per name
 * @param description what the prompts are for (the suite's description)
 * @param variants    the prompt variants compared side by side
 * @param values      variable values for the editor's rendered prompt and the run matrix
 * @param columns     sampling settings, one run matrix column each; the first one runs the tests
 * @param tests       test cases: variable values and assertions
 */
public record WorkbenchDocument(String name, String description, List<PromptVariant> variants,
                                Map<String, String> values, List<PromptSuite.Settings> columns,
                                List<PromptSuite.TestCase> tests) {

    public WorkbenchDocument {
        name = name == null || name.isBlank() ? "untitled" : name.strip();
        description = description == null ? "" : description;
        variants = List.copyOf(variants);
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        columns = List.copyOf(columns.isEmpty() ? List.of(PromptSuite.Settings.defaults()) : columns);
        tests = List.copyOf(tests);
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("a prompt document needs at least one variant");
        }
    }

    /**
     * The suite the tests run as: every variant against every test, with one column's settings.
     *
     * @throws IllegalArgumentException when two variants share an id
     */
    public PromptSuite toSuite(int column) {
        return new PromptSuite(description, variants.stream().map(PromptVariant::toPrompt).toList(),
                columns.get(column), tests);
    }

    /** A document holding what a suite file holds; the first test's values fill the values table. */
    public static WorkbenchDocument fromSuite(String name, PromptSuite suite) {
        List<PromptVariant> variants = new ArrayList<>();
        for (PromptSuite.Prompt p : suite.prompts()) {
            variants.add(PromptVariant.fromPrompt(p));
        }
        Map<String, String> values = suite.tests().isEmpty() ? Map.of() : suite.tests().getFirst().vars();
        return new WorkbenchDocument(name, suite.description(), variants, values, List.of(suite.settings()),
                suite.tests());
    }

    /** Every variable any variant uses, in order of first appearance. */
    public java.util.Set<String> variables() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        variants.forEach(v -> names.addAll(v.variables()));
        return names;
    }
}
