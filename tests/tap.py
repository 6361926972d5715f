"""TAP for the test scripts: numbered checks as they run, the plan last.

    from tap import check, finish
    check(ok, "what was checked", detail)   # detail printed (as # lines) on failure
    sys.exit(finish())                        # prints 1..N; 0 when all passed
"""
results = []


def check(ok, what, detail="", lines=20):
    results.append(bool(ok))
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}", flush=True)
    if not ok and detail:
        for line in str(detail).splitlines()[:lines]:
            print(f"# {line}")


def finish():
    print(f"1..{len(results)}")
    return 0 if all(results) else 1


def cases(names, run_one):
    """One check per case: run_one(name) returns the case's problems (a list
    of strings, empty when it passed); an exception in it fails the case.
    Returns finish()."""
    for name in names:
        try:
            problems = run_one(name)
        except Exception as e:  # a crash of the runner is a failure of the case
            problems = [repr(e)]
        check(not problems, name, "\n".join(problems), lines=80)
    return finish()


class Tests(list):
    """Test functions in the order they are declared: `test = tests.add`,
    then @test above each (tests.append(f) for ones made in a loop)."""

    def add(self, fn):
        self.append(fn)
        return fn


def each(tests, make_env, lines=40):
    """One check per test function, each given a fresh environment
    (make_env(), closed afterwards whatever happens): an exception fails the
    test with its message. Returns finish()."""
    for t in tests:
        env = make_env()
        try:
            t(env)
            check(True, t.__name__)
        except Exception as e:  # a failed assertion or a crash: the test failed
            check(False, t.__name__, str(e), lines=lines)
        finally:
            env.close()
    return finish()
