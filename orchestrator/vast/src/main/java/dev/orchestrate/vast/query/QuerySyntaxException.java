package dev.orchestrate.vast.query;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;

/**
 * A query string the parser cannot read. The message quotes the query and puts a caret under the
 * offending token, so the user sees exactly where it went wrong.
 */
public final class QuerySyntaxException extends OrchestrateException {
  private static final long serialVersionUID = 1L;

  private final int position;
  private final String token;

  public QuerySyntaxException(String problem, String query, int position, String token) {
    super(ErrorCode.USAGE, render(problem, query, position, token), hintFor(problem));
    this.position = position;
    this.token = token;
  }

  /** Zero-based index of the offending token in the query. */
  public int position() {
    return position;
  }

  public String token() {
    return token;
  }

  private static String render(String problem, String query, int position, String token) {
    int width = Math.max(1, token == null ? 1 : token.length());
    return problem
        + " at column "
        + (position + 1)
        + ":\n  "
        + query
        + "\n  "
        + " ".repeat(Math.max(0, position))
        + "^".repeat(width);
  }

  private static String hintFor(String problem) {
    return "write comparisons as field op value, e.g. `gpu_name=RTX_4090 num_gpus>=1 dph<1.0"
        + " geolocation in [US,CA]`; operators: = != > >= < <= eq neq gt gte lt lte in notin";
  }
}
