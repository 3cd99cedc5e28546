//! Reducer tests: feed messages to the app, check its state and the effects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use hoptrace::logs::{LogLine, SourceKind};
use hoptrace::trace::{HopId, Overall, Verdict};
use hoptrace::tui::app::{App, Effect, Mode, Msg, Pane, ReachRow, Screen, WorldState};
use hoptrace::tui::keymap::Keymap;
use hoptrace::tui::theme::{Theme, ThemeName};
use hoptrace::tui::tree::Item;
use hoptrace::tui::whatif::Target;

#[path = "tui_reducer/discovery.rs"]
mod discovery;
#[path = "tui_reducer/overlays.rs"]
mod overlays;

const BATCH: &str = "i-0a00000000batch01";
const PETS: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_856_400)
}

fn app() -> App {
    let mut a = App::new(
        hoptrace::demo::world().unwrap(),
        "demo".into(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, true),
        now(),
    );
    a.update(Msg::Resize(120, 40));
    a
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn typed(app: &mut App, s: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in s.chars() {
        out.extend(app.update(key(c)));
    }
    out
}

fn select_instance(app: &mut App, id: &str) {
    app.jump_to(Item::Instance(id.into()));
    assert_eq!(app.selected_item(), Some(&Item::Instance(id.into())));
}

#[test]
fn moving_expanding_and_collapsing() {
    let mut a = app();
    assert_eq!(a.selected_item(), Some(&Item::Vpcs));
    let n = a.explorer.rows.len();
    a.update(key('j'));
    let first_vpc = a.world().unwrap().snap.vpcs[0].vpc_id.clone();
    assert_eq!(a.selected_item(), Some(&Item::Vpc(first_vpc)));
    a.update(code(KeyCode::Enter)); // collapse the expanded VPC
    assert!(a.explorer.rows.len() < n);
    a.update(key('l'));
    assert_eq!(a.explorer.rows.len(), n);
    a.update(key('G'));
    assert_eq!(a.explorer.sel, a.explorer.rows.len() - 1);
    a.update(key('g'));
    assert_eq!(a.explorer.sel, 0);
    // h on a leaf goes to its parent.
    select_instance(&mut a, BATCH);
    a.update(key('h'));
    assert!(matches!(a.selected_item(), Some(Item::Subnet(_))));
}

#[test]
fn filter_with_regex_and_inversion() {
    let mut a = app();
    a.update(key('/'));
    typed(&mut a, "batch");
    a.update(code(KeyCode::Enter));
    assert!(a.explorer.filter.is_some());
    let labels: Vec<Item> = a.explorer.rows.iter().map(|r| r.0.clone()).collect();
    assert!(labels.iter().any(|i| matches!(i, Item::Instance(_))));
    assert!(matches!(a.selected_item(), Some(Item::Instance(_))));
    let instances = labels
        .iter()
        .filter(|i| matches!(i, Item::Instance(_)))
        .count();
    assert_eq!(instances, 1);
    // An invalid regex is an error message, not a crash.
    a.update(key('/'));
    a.update(code(KeyCode::Backspace));
    for _ in 0..10 {
        a.update(code(KeyCode::Backspace));
    }
    typed(&mut a, "(unclosed");
    a.update(code(KeyCode::Enter));
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("bad filter")));
    // ! inverts (the prompt starts with the current filter: clear it first).
    a.update(key('/'));
    for _ in 0..5 {
        a.update(code(KeyCode::Backspace));
    }
    typed(&mut a, "!i-0a00000000batch01");
    a.update(code(KeyCode::Enter));
    assert!(
        a.explorer
            .rows
            .iter()
            .filter(|r| matches!(r.0, Item::Instance(_)))
            .count()
            > 5
    );
    a.update(code(KeyCode::Esc));
    assert!(a.explorer.filter.is_none());
}

#[test]
fn command_aliases_filter_by_kind() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, "vpce");
    a.update(code(KeyCode::Enter));
    assert!(matches!(a.selected_item(), Some(Item::Endpoint(_))));
    assert!(!a
        .explorer
        .rows
        .iter()
        .any(|r| matches!(r.0, Item::Instance(_))));
    a.update(key(':'));
    typed(&mut a, "api");
    a.update(code(KeyCode::Enter));
    assert!(matches!(a.selected_item(), Some(Item::Api(_))));
    // Tab completes a unique prefix.
    a.update(key(':'));
    typed(&mut a, "he");
    a.update(code(KeyCode::Tab));
    match &a.mode {
        Mode::Command(i) => assert_eq!(i.text, "help "),
        m => panic!("{m:?}"),
    }
    a.update(code(KeyCode::Enter));
    assert!(matches!(a.mode, Mode::Help { .. }));
    a.update(code(KeyCode::Esc));
    // Unknown commands say so.
    a.update(key(':'));
    typed(&mut a, "frobnicate");
    a.update(code(KeyCode::Enter));
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("unknown command")));
}

#[test]
fn trace_form_picks_a_target_and_runs() {
    let mut a = app();
    select_instance(&mut a, BATCH);
    a.update(key('t'));
    let Mode::Form(f) = &a.mode else {
        panic!("form expected")
    };
    assert_eq!(f.from, BATCH);
    assert!(f.targets.iter().any(|t| t.url == PETS && t.method == "GET"));
    // Filter the target list, choose, run.
    typed(&mut a, "pets prod get /pets");
    a.update(code(KeyCode::Enter));
    let Mode::Form(f) = &a.mode else {
        panic!("form expected")
    };
    assert_eq!(f.url, PETS);
    a.update(code(KeyCode::Enter));
    assert!(matches!(a.mode, Mode::Normal));
    assert_eq!(a.screen, Screen::Trace);
    let t = a.trace.result.as_ref().unwrap();
    assert_eq!(t.verdict, Overall::Blocked);
    assert_eq!(t.first_block, Some(hoptrace::trace::HopId::SgEgress));
    assert_eq!(a.hops_selected_name(), "sg-egress");
    // Esc goes back to the explorer.
    a.update(code(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Explorer);
    a.update(key('2'));
    assert_eq!(a.screen, Screen::Trace);
}

trait SelectedHop {
    fn hops_selected_name(&self) -> &'static str;
}

impl SelectedHop for App {
    fn hops_selected_name(&self) -> &'static str {
        self.selected_hop().map_or("", HopId::as_str)
    }
}

#[test]
fn trace_command_line_and_its_errors() {
    let mut a = app();
    a.update(key(':'));
    typed(
        &mut a,
        &format!("trace {BATCH} {PETS} -H 'x-trace: 1' --tls 1.2"),
    );
    a.update(code(KeyCode::Enter));
    let t = a.trace.result.as_ref().expect("traced");
    assert_eq!(
        t.request.headers.get("x-trace").map(String::as_str),
        Some("1")
    );
    for bad in [
        "trace i-0nope https://x.example.com/",
        "trace i-1 http://plain.example.com/",
        "trace only-one-arg",
        "trace a b --tls 9",
    ] {
        a.flash = None;
        a.update(key(':'));
        typed(&mut a, bad);
        a.update(code(KeyCode::Enter));
        let flash = a.flash.as_ref();
        let trace_err = a.trace.error.as_ref();
        assert!(
            flash.is_some_and(|f| f.error) || trace_err.is_some(),
            "{bad}"
        );
    }
}

#[test]
fn quitting_and_signals_return_the_quit_effect() {
    let mut a = app();
    assert_eq!(a.update(key('q')), vec![Effect::Quit]);
    let mut a = app();
    a.update(key(':'));
    assert_eq!(typed(&mut a, "q"), vec![]);
    assert_eq!(a.update(code(KeyCode::Enter)), vec![Effect::Quit]);
    let mut a = app();
    assert_eq!(a.update(Msg::Signal("SIGTERM")), vec![Effect::Quit]);
    let mut a = app();
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(a.update(ctrl_c), vec![Effect::Quit]);
}

#[test]
fn what_if_edit_retraces_diffs_and_undoes() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    assert_eq!(a.hops_selected_name(), "sg-egress");
    // Built-in editor (no $EDITOR in the app's state).
    a.external_editor = false;
    assert!(a.update(key('e')).is_empty());
    let Mode::Editor { target, .. } = &a.mode else {
        panic!("editor expected")
    };
    assert_eq!(
        target,
        &Target::SecurityGroup("sg-0a000000000batch1".into())
    );
    // Bad JSON keeps the editor open with the error.
    let Mode::Editor { editor, .. } = &mut a.mode else {
        unreachable!()
    };
    editor.lines = vec!["{ not json".into()];
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    let Mode::Editor { editor, .. } = &a.mode else {
        panic!("still editing")
    };
    assert!(editor.error.is_some());
    assert!(a.undo.is_empty());
    // A real fix: allow all egress.
    let fixed = r#"{"GroupId":"sg-0a000000000batch1","GroupName":"batch","VpcId":"vpc-0a11ce5e00000a001",
        "IpPermissionsEgress":[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}"#;
    let Mode::Editor { editor, .. } = &mut a.mode else {
        unreachable!()
    };
    editor.lines = fixed.lines().map(str::to_string).collect();
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    assert!(matches!(a.mode, Mode::Normal));
    assert_eq!(a.undo.len(), 1);
    let t = a.trace.result.as_ref().unwrap();
    assert_eq!(t.hops[3].verdict, Verdict::Allow);
    assert!(
        a.trace
            .whatif_diff
            .iter()
            .any(|d| d.starts_with("sg-egress: deny → allow")),
        "{:?}",
        a.trace.whatif_diff
    );
    // The id may not change.
    let e = a.apply_edit(
        &Target::SecurityGroup("sg-0a000000000batch1".into()),
        &fixed.replace("sg-0a000000000batch1", "sg-other"),
    );
    assert!(e.unwrap_err().contains("must stay"));
    // Undo restores the original verdict.
    a.update(key('u'));
    assert!(a.undo.is_empty());
    assert_eq!(
        a.trace.result.as_ref().unwrap().hops[3].verdict,
        Verdict::Deny
    );
    // With $EDITOR the runtime is asked to run it.
    a.external_editor = true;
    let fx = a.update(key('e'));
    assert!(matches!(fx.as_slice(), [Effect::ExternalEditor { .. }]));
    // The editor's answer comes back as a message.
    a.update(Msg::EditorDone {
        target: Target::SecurityGroup("sg-0a000000000batch1".into()),
        result: Ok(fixed.to_string()),
    });
    assert_eq!(
        a.trace.result.as_ref().unwrap().hops[3].verdict,
        Verdict::Allow
    );
    a.update(Msg::EditorDone {
        target: Target::SecurityGroup("sg-0a000000000batch1".into()),
        result: Err("no change".into()),
    });
    assert!(a.flash.as_ref().is_some_and(|f| f.error));
}

#[test]
fn export_effect_and_files_never_overwrite() {
    let mut a = app();
    assert!(a.update(key('x')).is_empty());
    assert!(a.flash.as_ref().is_some_and(|f| f.error));
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    let fx = a.update(key('x'));
    let [Effect::Export {
        stem,
        markdown,
        json,
    }] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert!(stem.contains(BATCH));
    // The walkthrough: verdict, the path as Mermaid, every hop.
    assert!(
        markdown.contains("**verdict: blocked at sg-egress**"),
        "{markdown}"
    );
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
    assert!(markdown.contains("### 4. ✗ sg-egress: deny"), "{markdown}");
    assert!(markdown.contains("class n1 deciding"), "{markdown}");
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["schema"], "hoptrace.trace/v1");
    let dir = tempfile::tempdir().unwrap();
    let first = hoptrace::tui::export::write(dir.path(), stem, markdown, json).unwrap();
    std::fs::write(&first[0], "mine").unwrap();
    let second = hoptrace::tui::export::write(dir.path(), stem, markdown, json).unwrap();
    assert_ne!(first, second);
    assert_eq!(std::fs::read_to_string(&first[0]).unwrap(), "mine");
    a.update(Msg::Exported(Ok(second)));
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| !f.error && f.text.contains("exported")));
}

fn log(i: u64) -> LogLine {
    LogLine {
        source: SourceKind::Flow,
        group: "g".into(),
        at: now(),
        text: format!("line {i}"),
        hop: None,
        hops: Vec::new(),
    }
}

#[test]
fn logs_follow_pause_filter_and_bound() {
    let mut a = app();
    a.update(Msg::Logs((0..10).map(log).collect()));
    assert_eq!(
        a.visible_logs(3)
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>(),
        ["line 7", "line 8", "line 9"]
    );
    a.focus = Pane::Logs;
    a.update(key('p'));
    a.update(Msg::Logs((10..20).map(log).collect()));
    // Frozen view, but lines keep counting.
    assert_eq!(a.visible_logs(1)[0].text, "line 9");
    assert_eq!(a.logs.buf.total(), 20);
    a.update(key('p'));
    assert_eq!(a.visible_logs(1)[0].text, "line 19");
    // Scrolling up leaves follow; f returns to it.
    a.update(key('k'));
    assert!(!a.logs.follow);
    assert_eq!(a.visible_logs(1)[0].text, "line 18");
    a.update(key('f'));
    assert!(a.logs.follow);
    a.update(key('/'));
    typed(&mut a, "line 1[0-2]$");
    a.update(code(KeyCode::Enter));
    assert_eq!(a.visible_logs(10).len(), 3);
    a.update(code(KeyCode::Esc));
    assert!(a.logs.filter.is_none());
    // Toggles.
    a.update(key('w'));
    a.update(key('T'));
    assert!(a.logs.wrap && !a.logs.timestamps);
    a.update(key('o'));
    assert!(a.logs.hop_only);
    assert!(
        a.visible_logs(10).is_empty(),
        "no hop selected, no correlated lines"
    );
    // The buffer is bounded.
    a.update(Msg::Logs((0..20_000).map(log).collect()));
    assert_eq!(a.logs.buf.len(), hoptrace::tui::app::LOG_CAPACITY);
    assert_eq!(a.logs.fresh.len(), 1);
}

#[test]
fn mouse_click_and_wheel() {
    let mut a = app();
    let areas = a.areas();
    let click = |x, y| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Third row inside the tree pane.
    a.update(click(areas.left.x + 3, areas.left.y + 3));
    assert_eq!(a.explorer.sel, 2);
    a.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: areas.left.x + 2,
        row: areas.left.y + 2,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(a.explorer.sel, 5);
    a.update(click(areas.logs.x + 2, areas.logs.y + 2));
    assert_eq!(a.focus, Pane::Logs);
}

#[test]
fn edges_jump_in_the_explorer() {
    let mut a = app();
    select_instance(&mut a, BATCH);
    a.update(code(KeyCode::Tab));
    assert_eq!(a.focus, Pane::Right);
    let edges = a.selected_edges();
    let sg = edges
        .iter()
        .position(|(l, t)| l.contains("sg-") && t.is_some());
    let subnet = edges
        .iter()
        .position(|(l, t)| l.contains("subnet-") && t.is_some());
    let target = sg.or(subnet).expect("a jumpable edge");
    for _ in 0..target {
        a.update(key('j'));
    }
    a.update(code(KeyCode::Enter));
    assert_eq!(a.focus, Pane::Left);
    assert!(matches!(
        a.selected_item(),
        Some(Item::Sg(_)) | Some(Item::Subnet(_))
    ));
}

#[test]
fn theme_cycles_and_clock_ticks() {
    let mut a = app();
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(a.theme.name, ThemeName::Light);
    a.update(key(':'));
    typed(&mut a, "theme high-contrast");
    a.update(code(KeyCode::Enter));
    assert_eq!(a.theme.name, ThemeName::HighContrast);
    a.flash("x", false);
    a.update(Msg::Tick(now() + Duration::from_secs(30)));
    assert!(a.flash.is_none());
}

#[test]
fn exploratory_findings_stay_fixed() {
    // f after p follows again at once.
    let mut a = app();
    a.update(Msg::Logs((0..5).map(log).collect()));
    a.focus = Pane::Logs;
    a.update(key('p'));
    a.update(key('f'));
    assert!(a.logs.follow && a.logs.paused_at.is_none());
    // A new trace starts the hop detail at the top.
    a.focus = Pane::Left;
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    a.focus = Pane::Right;
    a.trace.detail_scroll = 7;
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    assert_eq!(a.trace.detail_scroll, 0);
    // Clearing a filter keeps the selected item.
    let mut a = app();
    a.update(key('/'));
    typed(&mut a, "batch");
    a.update(code(KeyCode::Enter));
    let picked = a.selected_item().cloned();
    a.update(code(KeyCode::Esc));
    assert!(a.explorer.filter.is_none());
    assert_eq!(a.selected_item().cloned(), picked);
    // Tab completes the common prefix of several commands.
    a.update(key(':'));
    typed(&mut a, "ex");
    a.update(code(KeyCode::Tab));
    match &a.mode {
        Mode::Command(i) => assert_eq!(i.text, "exp"),
        m => panic!("{m:?}"),
    }
    // ctrl-c cancels the prompt without quitting.
    let fx = a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(fx.is_empty() && matches!(a.mode, Mode::Normal));
    // q quits when the terminal is too small to show anything, even in the editor.
    let mut a = app();
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    a.external_editor = false;
    a.update(key('e'));
    a.update(Msg::Resize(20, 5));
    assert_eq!(a.update(key('q')), vec![Effect::Quit]);
}

#[test]
fn instances_outside_captured_subnets_are_listed() {
    let mut snap = hoptrace::demo::snapshot().unwrap();
    snap.subnets.clear();
    let world = hoptrace::model::World::new(snap);
    let mut a = App::new(
        world,
        "test".into(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, true),
        now(),
    );
    a.run_command_line("ec2");
    assert!(
        a.explorer
            .rows
            .iter()
            .filter(|r| matches!(r.0, Item::Instance(_)))
            .count()
            >= 10
    );
    assert!(a.explorer.rows.iter().any(|r| r.0 == Item::Unplaced));
}

#[test]
fn editor_asks_before_discarding_changes() {
    let mut a = app();
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    a.external_editor = false;
    a.update(key('e'));
    // No change: one esc leaves.
    a.update(code(KeyCode::Esc));
    assert!(matches!(a.mode, Mode::Normal));
    a.update(key('e'));
    a.update(key(' '));
    a.update(code(KeyCode::Esc));
    let Mode::Editor { editor, .. } = &a.mode else {
        panic!("still editing after one esc")
    };
    assert!(editor
        .error
        .as_deref()
        .is_some_and(|e| e.contains("esc again")));
    a.update(code(KeyCode::Esc));
    assert!(matches!(a.mode, Mode::Normal));
    assert!(a.undo.is_empty());
}

#[test]
fn prompts_and_form_fields_edit_at_the_cursor() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, "trace x");
    a.update(code(KeyCode::Left));
    a.update(code(KeyCode::Left));
    a.update(code(KeyCode::Backspace));
    typed(&mut a, "d");
    a.update(code(KeyCode::Home));
    a.update(code(KeyCode::Delete));
    match &a.mode {
        Mode::Command(i) => assert_eq!(i.text, "racd x"),
        m => panic!("{m:?}"),
    }
    a.update(code(KeyCode::Esc));
    a.update(key('t'));
    // Tab to the URL field, type, go home, type at the start.
    for _ in 0..3 {
        a.update(code(KeyCode::Tab));
    }
    typed(&mut a, "example.com/");
    a.update(code(KeyCode::Home));
    typed(&mut a, "https://");
    let Mode::Form(f) = &a.mode else {
        panic!("form")
    };
    assert_eq!(f.url, "https://example.com/");
}

#[test]
fn a_new_world_keeps_what_was_expanded_and_selected() {
    let mut a = app();
    select_instance(&mut a, BATCH);
    // Collapse a VPC other than the selected instance's, so the expanded set
    // is not just the default one.
    let w = a.world().unwrap();
    let home = w.instance(BATCH).unwrap().subnet_id.clone().unwrap();
    let home_vpc = w.subnet(&home).unwrap().vpc_id.clone();
    let other = w
        .snap
        .vpcs
        .iter()
        .find(|v| v.vpc_id != home_vpc)
        .map(|v| v.vpc_id.clone())
        .expect("the demo has several VPCs");
    a.explorer.expanded.remove(&Item::Vpc(other.clone()));
    let expanded = a.explorer.expanded.clone();

    // The refreshed world has a new subnet and instance in front of the old
    // ones, so every position shifts; ids do not.
    let mut snap = a.world().unwrap().snap.clone();
    let mut subnet = snap
        .subnets
        .iter()
        .find(|s| s.subnet_id == home)
        .unwrap()
        .clone();
    subnet.subnet_id = "subnet-0new".into();
    snap.subnets.insert(0, subnet);
    let mut inst = snap
        .instances
        .iter()
        .find(|i| i.instance_id == BATCH)
        .unwrap()
        .clone();
    inst.instance_id = "i-0new".into();
    inst.subnet_id = Some(home.clone());
    inst.network_interfaces.clear();
    snap.instances.insert(0, inst);
    a.update(Msg::World(Ok(Box::new(hoptrace::model::World::new(snap)))));

    assert_eq!(a.explorer.expanded, expanded);
    assert_eq!(a.selected_item(), Some(&Item::Instance(BATCH.into())));
    // The new items show where the tree is open.
    assert!(a
        .explorer
        .rows
        .iter()
        .any(|r| r.0 == Item::Instance("i-0new".into())));
    assert!(a
        .explorer
        .rows
        .iter()
        .any(|r| r.0 == Item::Subnet("subnet-0new".into())));
    assert!(!a.explorer.rows.iter().any(
        |r| matches!(&r.0, Item::Subnet(s) if a.world().unwrap().subnet(s).unwrap().vpc_id == other)
    ));
}

#[test]
fn the_world_can_arrive_after_the_app_starts() {
    let mut a = App::new(
        WorldState::Loading,
        "live".into(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, true),
        now(),
    );
    a.update(Msg::Resize(120, 40));
    assert!(a.explorer.rows.is_empty());
    // Keys and commands do nothing harmful while loading.
    for c in ['j', 'l', 'h', 'e', 't'] {
        a.update(key(c));
        a.mode = Mode::Normal;
    }
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    assert!(a.trace.result.is_none());
    assert!(a
        .trace
        .error
        .as_deref()
        .is_some_and(|e| e.contains("loading")));
    // A failure is kept while there is no world...
    a.update(Msg::World(Err("no credentials".into())));
    assert!(matches!(a.world, WorldState::Failed(_)));
    // ...and the world that finally arrives opens as a loaded one would, and
    // the pending request is traced on it.
    a.update(Msg::World(Ok(Box::new(hoptrace::demo::world().unwrap()))));
    assert!(a.world().is_some());
    assert_eq!(a.selected_item(), Some(&Item::Vpcs));
    assert!(a.explorer.rows.len() > 10);
    assert_eq!(a.trace.result.as_ref().unwrap().verdict, Overall::Blocked);
    // A failed refresh keeps the world.
    a.update(Msg::World(Err("throttled".into())));
    assert!(a.world().is_some());
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("throttled")));
}

#[test]
fn hop_detail_scroll_is_clamped_without_drawing() {
    let mut a = app();
    a.update(Msg::Resize(60, 16));
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Tab));
    assert_eq!(a.focus, Pane::Right);
    for _ in 0..500 {
        a.update(key('j'));
    }
    let max = a.trace.detail_scroll;
    assert!(max > 0 && max < 500, "{max}");
    assert_eq!(max, hoptrace::tui::view::trace_detail_max(&a));
    // One step up moves at once: the scroll never ran past the end.
    a.update(key('k'));
    assert_eq!(a.trace.detail_scroll, max - 1);
}

#[test]
fn a_new_world_keeps_which_listing_of_a_repeated_item_is_selected() {
    // An endpoint is listed under each of its subnets; select the last listing.
    let mut a = app();
    let rows = &a.explorer.rows;
    let vpce = rows
        .iter()
        .filter_map(|r| match &r.0 {
            Item::Endpoint(id) => Some(id.clone()),
            _ => None,
        })
        .find(|id| {
            rows.iter()
                .filter(|r| r.0 == Item::Endpoint(id.clone()))
                .count()
                > 1
        })
        .expect("the demo lists an endpoint in two subnets");
    let last = rows
        .iter()
        .rposition(|r| r.0 == Item::Endpoint(vpce.clone()))
        .unwrap();
    a.explorer.select_row(last);
    let snap = a.world().unwrap().snap.clone();
    a.update(Msg::World(Ok(Box::new(hoptrace::model::World::new(snap)))));
    assert_eq!(
        a.explorer.sel, last,
        "the selection moved to another listing"
    );
    // So does clearing a filter.
    a.update(key('/'));
    typed(&mut a, &vpce);
    a.update(code(KeyCode::Enter));
    let in_filter = a
        .explorer
        .rows
        .iter()
        .rposition(|r| r.0 == Item::Endpoint(vpce.clone()))
        .unwrap();
    a.explorer.select_row(in_filter);
    a.update(code(KeyCode::Esc));
    assert!(a.explorer.filter.is_none());
    assert_eq!(
        a.explorer.sel, last,
        "clearing the filter moved the selection"
    );
}

#[test]
fn reach_from_a_trace_follows_what_if_edits_and_enter_traces_a_member() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    // `a` on the trace view: every running instance to the traced request.
    a.update(key('a'));
    assert_eq!(a.screen, Screen::Reach);
    let r = a.reach.result.as_ref().unwrap();
    assert_eq!(r.total, 26);
    let batch_group = |a: &App| {
        a.reach
            .result
            .as_ref()
            .unwrap()
            .groups
            .iter()
            .find(|g| g.first_block == Some(HopId::SgEgress))
            .map(|g| g.count)
    };
    assert_eq!(batch_group(&a), Some(1));
    // Enter on a group's heading traces its first member; Esc leaves for the explorer.
    let row = a
        .reach
        .rows
        .iter()
        .position(|r| matches!(r, ReachRow::Group(g) if a.reach.result.as_ref().unwrap().groups[*g].first_block == Some(HopId::SgEgress)))
        .unwrap();
    a.reach.sel = row;
    a.update(code(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Trace);
    assert_eq!(a.trace.request.as_ref().unwrap().from, BATCH);
    // A what-if edit that opens batch's egress: the reach follows.
    let fixed = r#"{"GroupId":"sg-0a000000000batch1","GroupName":"batch","VpcId":"vpc-0a11ce5e00000a001",
        "IpPermissionsEgress":[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}"#;
    a.apply_edit(&Target::SecurityGroup("sg-0a000000000batch1".into()), fixed)
        .unwrap();
    assert_eq!(
        batch_group(&a),
        None,
        "the edit did not reach the reach view"
    );
    a.update(key('u'));
    assert_eq!(batch_group(&a), Some(1));
    a.update(key('3'));
    assert_eq!(a.screen, Screen::Reach);
    a.update(code(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Explorer);
    // From an instance: every deployed method; from a VPC: a hint, no reach.
    select_instance(&mut a, BATCH);
    a.update(key('a'));
    assert!(matches!(
        &a.reach.result.as_ref().unwrap().query,
        hoptrace::reach::Query::From { instance } if instance == BATCH
    ));
    a.update(code(KeyCode::Esc));
    a.jump_to(Item::Vpc("vpc-0a11ce5e00000a001".into()));
    a.update(key('a'));
    assert_eq!(a.screen, Screen::Explorer);
    assert!(a
        .flash
        .as_ref()
        .unwrap()
        .text
        .contains("select an instance"));
}

#[test]
fn the_diagram_moves_along_the_path_and_enter_opens_the_hop() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    a.update(key('d'));
    assert!(a.trace.diagram);
    // The deciding box (batch's security groups) is selected first.
    assert_eq!(a.trace.box_sel, 1);
    a.update(code(KeyCode::Right));
    assert_eq!(a.trace.box_sel, 2);
    assert_eq!(a.hops_selected_name(), "nacl-client");
    // Down moves a row of boxes (4 per row at 120×40).
    a.update(code(KeyCode::Down));
    assert_eq!(a.trace.box_sel, 6);
    assert_eq!(a.hops_selected_name(), "api");
    // Far right stops at the backend; enter opens its hop in the table.
    for _ in 0..20 {
        a.update(code(KeyCode::Right));
    }
    assert_eq!(a.trace.box_sel, 10);
    a.update(code(KeyCode::Enter));
    assert!(!a.trace.diagram);
    assert_eq!(a.focus, Pane::Right);
    assert_eq!(a.hops_selected_name(), "integration");
    // d on the explorer says where the diagram is.
    a.update(key('1'));
    a.update(key('d'));
    assert!(a.flash.as_ref().unwrap().text.contains("trace view"));
}

#[test]
fn reach_at_the_prompt() {
    let mut a = app();
    a.run_command_line(&format!("reach {PETS} -H 'x-api-key: k'"));
    assert_eq!(a.screen, Screen::Reach);
    let r = a.reach.result.as_ref().unwrap();
    assert!(
        matches!(&r.query, hoptrace::reach::Query::To { url, headers, .. }
        if url == PETS && headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-api-key")))
    );
    a.run_command_line(&format!("reach {BATCH}"));
    assert!(matches!(
        &a.reach.result.as_ref().unwrap().query,
        hoptrace::reach::Query::From { instance } if instance == BATCH
    ));
    // Bad input: a message, the view unchanged.
    a.run_command_line("reach nonsense");
    assert!(a.flash.as_ref().unwrap().text.starts_with("usage: reach"));
    a.run_command_line("reach https://x -X");
    assert!(a.flash.as_ref().unwrap().error);
    a.run_command_line("reach i-nope");
    assert!(
        a.flash.as_ref().unwrap().text.contains("i-nope"),
        "{:?}",
        a.flash
    );
    assert_eq!(a.screen, Screen::Reach);
}

#[test]
fn an_export_made_with_what_if_edits_says_so_in_both_files() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    let fixed = r#"{"GroupId":"sg-0a000000000batch1","GroupName":"batch","VpcId":"vpc-0a11ce5e00000a001",
        "IpPermissionsEgress":[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}"#;
    a.apply_edit(&Target::SecurityGroup("sg-0a000000000batch1".into()), fixed)
        .unwrap();
    let fx = a.update(key('x'));
    let [Effect::Export { markdown, json, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["verdict"], "reachable");
    let edits = v["what_if"]["edits"].as_array().unwrap();
    assert!(
        edits[0].as_str().unwrap().contains("sg-0a000000000batch1"),
        "{v}"
    );
    let changes = v["what_if"]["changes_by_last_edit"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("sg-egress: deny → allow")),
        "{changes:?}"
    );
    assert!(markdown.contains("never written to AWS"), "{markdown}");
    assert!(
        markdown.contains("edited security group sg-0a000000000batch1"),
        "{markdown}"
    );
    // Without edits, the JSON is the plain contract.
    a.update(key('u'));
    let fx = a.update(key('x'));
    let [Effect::Export { json, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert!(v.get("what_if").is_none());
}
