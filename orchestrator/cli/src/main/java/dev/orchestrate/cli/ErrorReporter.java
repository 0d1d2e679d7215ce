package dev.orchestrate.cli;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The one place errors reach the user: the message, a hint on what to do, the exit code of the
 * error's family; the stack trace only with {@code --stacktrace}.
 */
final class ErrorReporter
    implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
  private final PrintWriter err;
  private final Redactor redactor;
  private final boolean stacktrace;

  ErrorReporter(PrintWriter err, Redactor redactor, boolean stacktrace) {
    this.err = err;
    this.redactor = redactor;
    this.stacktrace = stacktrace;
  }

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    return report(e);
  }

  int report(Throwable e) {
    if (e instanceof OrchestrateException oe) {
      err.println("error: " + redactor.redact(oe.getMessage()));
      oe.hint().ifPresent(h -> err.println("hint: " + redactor.redact(h)));
      trace(e);
      err.flush();
      return oe.code().exitCode();
    }
    err.println("error: " + redactor.redact(String.valueOf(e)));
    err.println(
        stacktrace
            ? "hint: this is a bug in orchestrate; the stack trace follows"
            : "hint: this is a bug in orchestrate; rerun with --stacktrace and report it");
    trace(e);
    err.flush();
    return ErrorCode.FAILURE.exitCode();
  }

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    err.println("error: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("hint: see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
    err.flush();
    return ErrorCode.USAGE.exitCode();
  }

  private void trace(Throwable e) {
    if (stacktrace) {
      e.printStackTrace(err);
    }
  }
}
