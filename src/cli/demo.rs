//! `hoptrace demo`: the embedded demo world.

use serde::Serialize;
use std::collections::BTreeMap;

use super::{output, CliError, DemoArgs, DemoCommand, Output};
use crate::trace::{self, Request, TlsVersion};

#[derive(Serialize)]
struct StoryJson<'a> {
    instance: &'a str,
    name: &'a str,
    url: &'a str,
    method: &'a str,
    headers: BTreeMap<String, String>,
    tls: &'a str,
    story: &'a str,
    command: String,
}

pub fn run(args: DemoArgs) -> Result<i32, CliError> {
    match args.command.unwrap_or(DemoCommand::Ui) {
        DemoCommand::Ui => {
            let src = crate::tui::Source {
                world: Some(crate::demo::world()?),
                live: None,
                label: "demo".into(),
                demo_logs: true,
                no_live_tail: true,
            };
            Ok(crate::tui::run(src)?)
        }
        DemoCommand::List { output } => list(output),
        DemoCommand::Tour => tour(),
        DemoCommand::Export { out, force } => {
            crate::model::snapshot::write_new_file(&out, crate::demo::WORLD_JSON.as_bytes(), force)
                .map_err(|e| CliError(format!("cannot write {}: {e}", out.display())))?;
            eprintln!("wrote the demo world to {}", out.display());
            Ok(0)
        }
    }
}

fn list(output: Output) -> Result<i32, CliError> {
    let stories = crate::demo::stories();
    match output {
        Output::Json => {
            let items: Vec<StoryJson> = stories
                .iter()
                .map(|s| StoryJson {
                    instance: &s.instance,
                    name: &s.name,
                    url: &s.url,
                    method: &s.method,
                    headers: s
                        .headers
                        .iter()
                        .filter_map(|h| h.split_once(':'))
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .collect(),
                    tls: &s.tls,
                    story: &s.story,
                    command: s.command(),
                })
                .collect();
            super::emit(&(serde_json::to_string_pretty(&items)? + "\n"))?;
        }
        Output::Table => {
            let mut out = String::new();
            for s in &stories {
                out.push_str(&format!(
                    "{}  {}\n  {}\n  $ {}\n\n",
                    s.instance,
                    s.name,
                    s.story,
                    s.command()
                ));
            }
            super::emit(&out)?;
        }
    }
    Ok(0)
}

fn tour() -> Result<i32, CliError> {
    let world = crate::demo::world()?;
    let color = output::color_enabled();
    let stories = crate::demo::stories();
    let bar = "═".repeat(78);
    let mut out = String::new();
    out += &format!(
        "hoptrace demo: account {} in {}, {} stories. Each trace below is `hoptrace trace --demo ...`.\n",
        world.snap.account,
        world.snap.region,
        stories.len()
    );
    out.push('\n');
    for s in &stories {
        let req = Request::new(
            &s.instance,
            &s.method,
            &s.url,
            &s.headers,
            false,
            TlsVersion::parse(&s.tls)?,
        )?;
        let t = trace::run(&world, &req)?;
        out += &format!(
            "{bar}\n{} ({}): {}\n$ {}\n",
            s.name,
            s.instance,
            s.story,
            s.command()
        );
        out.push('\n');
        out += &output::trace_table(&t, color);
        out.push('\n');
    }
    out += &format!("{bar}\nNext: `hoptrace demo list` for the commands, `--output json` for the trace contract.\n");
    super::emit(&out)?;
    Ok(0)
}
