//! `hoptrace check`: connectivity intents from a YAML file, checked end to
//! end against a world, as a table, JSON or JUnit XML for CI.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{output, CliError};
use crate::check::{self, Report, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckOutput {
    /// One line per intent; the violating members grouped under it
    Table,
    /// hoptrace.check/v1
    Json,
    /// JUnit XML: one test case per intent, a violation a <failure>
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Undetermined {
    /// An undetermined intent fails the check (exit 1)
    Fail,
    /// An undetermined intent passes (exit 0 when nothing is violated)
    Pass,
}

#[derive(Debug, Args)]
#[command(after_help = "The file (YAML):\n\n\
intents:\n  \
- name: web tier reaches the pets API\n    \
from: {tag: \"Role=web\"}  # one of: tag: \"Key=Value\", instance: i-..,\n                             \
#   instances: [i-.., ..], subnet: subnet-..,\n                             \
#   vpc: vpc-.., security-group: sg-..\n    \
to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets\n    \
method: GET              # optional\n    \
headers: {x-api-key: k}  # optional\n    \
sigv4: false             # optional\n    \
expect: reachable        # reachable | blocked\n    \
at: authorization        # optional, with blocked: the hop that must block\n\n\
Every running instance the selector picks is traced. An intent holds when every one gives the \
expected verdict (and blocks at `at`); a selector that picks no running instance is a violation.\n\n\
Exit status: 0 every intent holds, 1 one is violated, 3 none is violated but some are undetermined \
(--undetermined fail makes that 1, pass makes it 0), 2 error (the file's line and column named).\n\n\
Example:\n  hoptrace check assets/demo/intents.yaml --demo")]
pub struct CheckArgs {
    /// The intents file (YAML); - reads standard input
    pub file: PathBuf,
    #[command(flatten)]
    pub world: super::WholeWorldArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckOutput::Table)]
    pub output: CheckOutput,
    /// What an undetermined intent does to the exit status (default: exit 3 when nothing is violated)
    #[arg(long, value_enum, value_name = "fail|pass")]
    pub undetermined: Option<Undetermined>,
}

pub fn run(args: CheckArgs) -> Result<i32, CliError> {
    let stdin = args.file.as_os_str() == "-";
    // `shown` names the file in messages.
    let (shown, text) = super::read_input(&args.file.to_string_lossy(), "intents file")?;
    let intents = check::parse(&text).map_err(|e| {
        CliError(format!(
            "{shown}:{}:{}: {}",
            e.line,
            e.column,
            output::safe(&e.message)
        ))
    })?;
    let world = super::whole_world(&args.world)?;
    let started = std::time::Instant::now();
    let report = check::check(&world, &intents);
    let elapsed = started.elapsed();
    let suite = match args.file.file_name() {
        Some(n) if !stdin => n.to_string_lossy().into_owned(),
        _ => "stdin".to_string(),
    };
    let text = match args.output {
        CheckOutput::Table => table(&report, output::color_enabled()),
        CheckOutput::Json => serde_json::to_string_pretty(&report)? + "\n",
        CheckOutput::Junit => junit(&report, &suite, args.undetermined, elapsed)?,
    };
    super::emit(&text)?;
    Ok(exit_status(&report, args.undetermined))
}

/// 0 every intent holds, 1 one is violated, 3 undetermined (or as `--undetermined` says).
pub fn exit_status(r: &Report, undetermined: Option<Undetermined>) -> i32 {
    if r.summary.violated > 0 {
        1
    } else if r.summary.undetermined > 0 {
        match undetermined {
            Some(Undetermined::Fail) => 1,
            Some(Undetermined::Pass) => 0,
            None => 3,
        }
    } else {
        0
    }
}

fn paint_status(s: Status, text: &str, color: bool) -> String {
    let v = match s {
        Status::Held => crate::trace::Verdict::Allow,
        Status::Violated => crate::trace::Verdict::Deny,
        Status::Undetermined => crate::trace::Verdict::Unknown,
    };
    output::paint(text, v, color)
}

/// One line per intent. Under a violated or undetermined one, each group
/// of members that went another way (the violations first, then the
/// undetermined), with the members named; one group goes on the intent's
/// own line.
pub fn table(r: &Report, color: bool) -> String {
    let mut out = String::new();
    for i in &r.intents {
        let head = format!("{} {}", i.status.glyph(), output::safe(&i.name));
        let line = match (&i.problem, i.clusters.len()) {
            (None, 0 | 1) => i.summary(),
            (Some(p), _) => p.clone(),
            (None, n) => {
                let mut parts = Vec::new();
                if !i.violations.is_empty() {
                    parts.push(format!("{} of {} violate", i.violations.len(), i.members));
                }
                if !i.undetermined.is_empty() {
                    parts.push(format!(
                        "{} of {} undetermined",
                        i.undetermined.len(),
                        i.members
                    ));
                }
                format!("{} ({n} groups)", parts.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "{}: {}",
            paint_status(i.status, &head, color),
            output::safe(&line)
        );
        let single = i.problem.is_none() && i.clusters.len() == 1;
        for (k, c) in i.clusters.iter().enumerate() {
            let indent = if single {
                "    "
            } else {
                let _ = writeln!(out, "    {}", output::safe(&c.line(i.members)));
                "      "
            };
            let members: Vec<String> = i
                .violations
                .iter()
                .chain(&i.undetermined)
                .filter(|v| v.cluster == k)
                .take(10)
                .map(|v| match &v.name {
                    Some(n) => format!("{} ({})", v.instance, output::safe(n)),
                    None => v.instance.clone(),
                })
                .collect();
            let more = c.count.saturating_sub(members.len());
            let _ = writeln!(
                out,
                "{indent}{}{}",
                members.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
    }
    let s = &r.summary;
    let n = r.intents.len();
    let _ = writeln!(
        out,
        "\n{n} intent{}: {} held, {} violated, {} undetermined",
        if n == 1 { "" } else { "s" },
        s.held,
        s.violated,
        s.undetermined
    );
    out
}

/// JUnit XML: a suite named after the file, a test case per intent. A
/// violation is a `<failure>` whose message is the grouped summary; an
/// undetermined intent is a `<failure>` with `--undetermined fail`, passes
/// with `pass`, and is `<skipped>` otherwise.
pub fn junit(
    r: &Report,
    suite_name: &str,
    undetermined: Option<Undetermined>,
    elapsed: Duration,
) -> Result<String, CliError> {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(suite_name);
    for i in &r.intents {
        let detail = || {
            let d = format!(
                "{} {} from {} (file line {}), expect {}",
                i.method,
                i.to,
                i.from,
                i.line,
                i.expected()
            );
            let mut d = output::safe(&d);
            if let Some(p) = &i.problem {
                let _ = write!(d, "\n{}", output::safe(p));
            }
            for v in i.violations.iter().chain(&i.undetermined) {
                // The member's verdict in its group's words for this intent.
                let what = i
                    .clusters
                    .get(v.cluster)
                    .map_or_else(|| v.verdict.as_str().to_string(), |c| c.what());
                let mut line = format!("{} {what}", v.instance);
                if !v.deciding.is_empty() {
                    let _ = write!(line, ": {}", v.deciding);
                }
                let _ = write!(d, "\n{}", output::safe(&line));
            }
            d
        };
        let status = match (i.status, undetermined) {
            (Status::Held, _) | (Status::Undetermined, Some(Undetermined::Pass)) => {
                TestCaseStatus::success()
            }
            (Status::Violated, _) | (Status::Undetermined, Some(Undetermined::Fail)) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(output::safe(&i.summary()));
                s.set_type(if i.status == Status::Violated {
                    "violated"
                } else {
                    "undetermined"
                });
                s.set_description(detail());
                s
            }
            (Status::Undetermined, None) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("undetermined: {}", output::safe(&i.summary())));
                s.set_description(detail());
                s
            }
        };
        let mut case = TestCase::new(output::safe(&i.name), status);
        // Dots in a class name read as packages to CI tools: the file's
        // name is one part.
        case.set_classname(format!(
            "hoptrace.check.{}",
            suite_name.replace(['.', ' '], "_")
        ));
        suite.add_test_case(case);
    }
    suite.set_time(elapsed);
    let mut report = JReport::new("hoptrace check");
    report.set_time(elapsed);
    report.add_test_suite(suite);
    let xml = report
        .to_string()
        .map_err(|e| CliError(format!("JUnit output: {e}")))?;
    Ok(without_root_skipped(xml))
}

/// The common JUnit schema (Jenkins' junit-10.xsd) has no `skipped` on the
/// `<testsuites>` root, only on each `<testsuite>`: drop it from the root so
/// that validating readers take the file.
fn without_root_skipped(xml: String) -> String {
    let Some(start) = xml.find("<testsuites ") else {
        return xml;
    };
    let end = xml[start..].find('>').map_or(xml.len(), |e| start + e);
    let root = &xml[start..end];
    let Some(a) = root.find(" skipped=\"") else {
        return xml;
    };
    let value_end = root[a + 10..]
        .find('"')
        .map_or(root.len(), |e| a + 10 + e + 1);
    format!("{}{}{}", &xml[..start + a], &root[value_end..], &xml[end..])
}
