"""Paragraph templates for the body: section paragraphs, closing sentences and final notes.

Each ends with a period, so the scraped-page reader never takes it for a heading. The
placeholders are those of ``synth/templates.py``.
"""

from __future__ import annotations

SECTION: tuple[str, ...] = (
    "keep the implementation boring on purpose. a clear function name, a small configuration "
    "array, and one predictable code path will usually survive future maintenance better than "
    "a clever abstraction that only one developer understands.",
    "treat staging as a rehearsal, not just a place to click around. copy the important "
    "configuration, test the real deployment command, and confirm that a rollback can be "
    "executed without searching through old notes.",
    "when the feature touches user input, validate at the boundary and keep error messages "
    "specific. a good error message should explain what failed, what value was expected, and "
    "whether the request can be retried safely.",
    "developer experience also matters. if the setup requires five manual steps, put those "
    "steps in a command, a make target, or a short runbook. small automation saves time every "
    "time the project is moved to another machine.",
    "cache rules should be written for people who will debug them later. name the rule, "
    "document the bypass conditions, and include examples of pages that should and should "
    "not be cached.",
    "start by writing down what the system does today. a short note with the current "
    "settings, the observed numbers, and the known complaints gives every later change a "
    "fair baseline.",
    "measure before you tune. one honest number from production, taken at the same time of "
    "day and under a similar load, is worth more than a benchmark that nobody can reproduce.",
    "change one thing at a time. when two settings move in the same release, a regression "
    "can no longer be traced to either of them, and the rollback becomes a guess.",
    "for {problem}, the default matters more than the exceptions. pick a value that is safe "
    "for the common case, write down why, and make the exceptions explicit in configuration.",
    "in {stack}, most of this work happens in configuration rather than code. keep that "
    "configuration in version control, review it like code, and test it in the same pipeline.",
    "{tool} is enough for the first pass. it shows where the time goes and which calls "
    "dominate, and that is usually all the information needed to choose the next step.",
    "logs are the cheapest evidence you have. make sure each important step logs one line "
    "with a clear event name, the key identifiers, and the duration, and nothing more.",
    "a rollback plan is part of the change, not an afterthought. write the exact command, "
    "test it once in staging, and keep it next to the release notes where the on call "
    "engineer will look.",
    "alerts should fire on symptoms that users feel, not on every internal number. a slow "
    "page or a failed payment deserves a page, while a busy worker usually deserves a "
    "dashboard.",
    "timeouts belong on every call that leaves the process. without them, one slow "
    "dependency quietly turns into a queue of stuck requests and then into an outage.",
    "retries need a budget. retry a small number of times with a growing delay, only for "
    "errors that are known to be temporary, and never for requests that change data twice.",
    "small teams cannot afford heroics. a routine that anyone on the team can run from a "
    "short note is better than a fast fix that only its author remembers.",
    "keep the blast radius small. roll the change out to one instance or one region first, "
    "watch it for a while, and only then continue with the rest of the fleet.",
    "write the test that would have caught the last incident. it is the cheapest way to make "
    "sure that the same problem does not come back with the next refactor.",
    "documentation drifts when it lives far from the code. keep the note about {problem} "
    "beside the setting it describes, and let a test fail when the two disagree.",
    "treat the {language} code and the deployment scripts as one system. a change that "
    "passes its unit tests can still fail because a script assumed the old behavior.",
    "do not trust a single run. repeat the measurement a few times, keep the median, and note "
    "the spread, so that a lucky run does not decide the configuration.",
    "when a value is a guess, say so. a comment such as chosen without measurement, revisit "
    "after launch is more useful than a confident number that nobody can explain.",
    "ownership makes defaults stick. every setting should name the person or team that "
    "answers for it, and the place where a change to it is discussed.",
    "use {tool2} to confirm the result rather than to explore. by the time you reach for it, "
    "the question should already be precise enough to answer with one number.",
    "errors should be specific and boring. say which value failed, what was expected, and "
    "whether a retry is safe, so that the next person can act without reading the source.",
    "capacity planning does not need to be precise. a rough estimate of peak load, a margin "
    "of two, and an alert before the margin is gone will cover most {area} services.",
    "clean up after the experiment. remove temporary flags, delete the settings that no "
    "longer do anything, and close the ticket with the numbers you measured.",
    "the simplest fix is often to do less work. skip the call that nobody reads, cache the "
    "result that never changes, and batch the writes that arrive together.",
    "a checklist turns experience into a habit. keep it short, keep it in the repository, and "
    "update it every time a step turns out to be missing.",
    "security defaults should be strict and visible. deny by default, log what was denied, "
    "and make every exception a reviewed line of configuration.",
    "a migration is safer in two steps. first make the new path work beside the old one, then "
    "remove the old path in a later release once the numbers agree.",
    "watch the change after it ships. the first hour after a release is when most problems "
    "appear, and someone who knows what changed should be looking.",
    "the same steps should work on a laptop and on a server. when they do not, the "
    "difference is usually an undocumented default hiding in an environment variable.",
    "{problem} touches more than one layer. write down which part of the {stack} setup owns "
    "each decision, so that a later fix lands in the right place.",
    "prefer settings that fail loudly. a wrong value that stops start-up with a clear message "
    "is far cheaper than a wrong value that quietly degrades every request.",
    "load tests are only useful when they look like real traffic. use realistic payload "
    "sizes, a realistic mix of reads and writes, and a warm cache.",
    "keep a small record of every incident related to {problem}. after a few months, the "
    "pattern in that record is a better guide than any general advice.",
    "version everything that can change behavior: the code, the configuration, the schema, "
    "and the tools that build them. an unpinned tool is a silent change.",
    "explain the numbers in plain words. a sentence such as the p95 dropped from 900 to 300 "
    "milliseconds after the pool change tells a reviewer far more than a raw graph.",
)

# Optional closing sentences, appended to some section paragraphs as the seed page does.
TAILS: tuple[str, ...] = (
    "for this {stack} case, keep the owner, expected result, and rollback note in the same place.",
    "the alphanode approach is to prefer a small verified change over a broad rewrite.",
    "in {stack}, {tool} makes this step easy to repeat.",
    "this matters even more {scenario}.",
    "write the result down before moving on to the next step.",
    "the same rule applies to {problem} in every environment.",
    "a short note in the repository is enough to make this stick.",
    "if the numbers do not improve, roll the change back and try the next idea.",
    "keep the command that proves it in the runbook.",
    "this is also where most {area} incidents begin.",
    "review it again after the first week in production.",
    "the {tool2} output is worth keeping with the ticket.",
)

FINAL: tuple[str, ...] = (
    "the best result is not only a faster or cleaner {stack} implementation. it is a change "
    "that another developer can inspect, understand, and safely repeat. keep the final "
    "commands, metrics, and assumptions close to the article so future maintenance is easier.",
    "{problem} is never finished, but it can be made routine. keep the checklist, the numbers "
    "and the rollback note together, and the next person will start from a known state.",
    "the goal was a boring, documented default for {problem} in {stack}. if the next change "
    "can be made from the notes alone, the work is done.",
    "small, verified changes add up. measure again in a month, compare with the numbers "
    "recorded here, and adjust the default only if the evidence asks for it.",
    "none of these steps are clever, and that is the point. a routine that works {scenario} "
    "is one that anyone on the team can run without help.",
    "keep this page next to the code it describes. when the {stack} setup changes, update the "
    "page in the same pull request so that it stays true.",
)
