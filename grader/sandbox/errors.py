"""What a submission can do wrong in the sandbox: each is a SubmissionError that fails only the call it happened in."""


class SubmissionError(Exception):
    """Something the submission did wrong; ``message`` (= str) is one line for a human. ``traceback``: the
    submission's own frames as text; ``frames``: their ``(line, function)``, innermost last; ``type``: the
    name of the exception the submission raised, if it raised one."""

    def __init__(self, message, traceback="", frames=(), type=""):
        super().__init__(message)
        self.message = message
        self.traceback = traceback
        self.frames = tuple(frames)
        self.type = type


class NotImplementedYet(SubmissionError):
    """The function raised NotImplementedError (an untouched stub)."""


class FunctionMissing(SubmissionError):
    """The submission has no callable of that name."""


class SubmissionRaised(SubmissionError):
    """The function raised an exception; ``traceback`` has the submission's frames only."""


class TimedOut(SubmissionError):
    """The call did not return within the time limit; the worker was killed."""


class OutOfMemory(SubmissionError):
    """MemoryError, or the worker hit its memory limit."""


class Crashed(SubmissionError):
    """The worker died from a signal or broke the protocol."""


class Exited(SubmissionError):
    """The submission called sys.exit() or os._exit()."""


class LoadFailed(SubmissionError):
    """The source could not be loaded (syntax error, failed import, error or timeout at import time)."""
