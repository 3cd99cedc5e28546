//! A live account in the reducer: progress, partial worlds that never claim
//! what was not read, the final world, and the `r` / `R` keys.

use hoptrace::discover::{Kind, KindState, Refresh};
use hoptrace::model::{CallError, World, NOT_READ_YET};
use hoptrace::tui::app::{DiscoveryMsg, Finished, RefreshWhat};

use super::*;

fn live() -> App {
    let mut a = App::new(
        WorldState::Loading,
        "live, read-only".into(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, true),
        now(),
    );
    a.discovery.live = true;
    a.update(Msg::Resize(120, 40));
    a
}

fn kind(label: &'static str, read: usize, total: Option<usize>, state: KindState) -> Kind {
    Kind {
        label,
        read,
        total,
        state,
    }
}

/// The demo world as a discovery that has not finished its security groups.
fn without_security_groups() -> World {
    let mut s = hoptrace::demo::world().unwrap().snap;
    s.security_groups.clear();
    s.captured.insert("security_groups".into(), false);
    s.errors.push(CallError {
        call: "ec2:DescribeSecurityGroups".into(),
        code: Some(NOT_READ_YET.into()),
        message: Some("discovery is still reading".into()),
        collection: Some("security_groups".into()),
        resource: None,
    });
    World::new(s)
}

fn flash(a: &App) -> String {
    a.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

#[test]
fn a_live_account_fills_in_while_it_is_read() {
    let mut a = live();
    assert!(a.world().is_none());
    a.update(Msg::Discovery(DiscoveryMsg::Started { first: true }));
    a.update(Msg::Discovery(DiscoveryMsg::Progress(vec![
        kind("instances", 1_200, None, KindState::Reading),
        kind("apis", 12, Some(50), KindState::Reading),
        kind("vpcs", 3, None, KindState::Done),
        kind("nacls", 0, None, KindState::Failed("AccessDenied".into())),
    ])));
    assert_eq!(
        a.discovery.progress_line(200),
        "instances 1,200/…  apis 12/50  nacls: AccessDenied  (1/4 kinds read)"
    );
    // Too narrow for every kind: the rest are counted.
    assert_eq!(
        a.discovery.progress_line(45),
        "instances 1,200/…  +2 more  (1/4 kinds read)"
    );

    // The partial world can be traced; what was not read yet is unknown.
    a.update(Msg::Discovery(DiscoveryMsg::Partial(Box::new(
        without_security_groups(),
    ))));
    assert!(a.world().is_some());
    select_instance(&mut a, BATCH);
    assert!(typed(&mut a, "e").is_empty());
    assert!(flash(&a).contains("wait until discovery"), "{}", flash(&a));
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    let t = a.trace.result.clone().expect("a trace");
    let sg = t.hops.iter().find(|h| h.hop == HopId::SgEgress).unwrap();
    assert_eq!(sg.verdict, Verdict::Unknown, "{}", sg.reason);
    assert!(sg.reason.contains("not read yet"), "{}", sg.reason);
    assert_ne!(t.verdict, Overall::Reachable);
    // `r` while the first read runs does not start another one.
    assert!(a.update(key('r')).is_empty());

    // The whole world arrives: the trace runs again on it by itself.
    let whole = hoptrace::demo::world().unwrap();
    let expected = hoptrace::trace::run(&whole, &a.trace.request.clone().unwrap()).unwrap();
    a.update(Msg::Discovery(DiscoveryMsg::Finished(Ok(Finished {
        world: Box::new(whole),
        aws_calls: 1_271,
        aws_rounds: 5,
        elapsed: Duration::from_millis(4_200),
        failed: vec!["apigateway:GetDomainNameAccessAssociations AccessDenied: no".into()],
    }))));
    assert!(!a.discovery.running);
    let t = a.trace.result.clone().expect("a trace");
    assert_eq!(t.verdict, expected.verdict);
    let f = flash(&a);
    assert!(
        f.contains("read in 4.2 s: 1,271 AWS calls in 5 rounds; failed: apigateway:GetDomainNameAccessAssociations"),
        "{f}"
    );

    // The first trace of the session asks about Live Tail (answered here:
    // no, keep polling).
    assert!(matches!(a.mode, hoptrace::tui::app::Mode::AskLiveTail));
    a.update(key('n'));

    // `r` on the trace view reads what the trace needs; in the explorer,
    // the selected resource (a method refreshes its API); `R` everything.
    assert_eq!(a.screen, Screen::Trace);
    match a.update(key('r')).as_slice() {
        [Effect::Refresh(RefreshWhat(Refresh::Trace(req)))] => assert_eq!(req.from, BATCH),
        other => panic!("{other:?}"),
    }
    // One refresh at a time.
    assert!(a.update(key('r')).is_empty());
    a.update(Msg::Discovery(DiscoveryMsg::Refreshed {
        what: "what the trace reads".into(),
        result: Err("ec2:DescribeInstances Throttling: Rate exceeded".into()),
    }));
    assert!(flash(&a).contains("nothing changed"), "{}", flash(&a));
    a.update(key('1'));
    select_instance(&mut a, BATCH);
    assert_eq!(
        a.update(key('r')),
        vec![Effect::Refresh(RefreshWhat(Refresh::Instance(
            BATCH.into()
        )))]
    );
    a.discovery.refreshing = None;
    assert_eq!(a.update(key('R')), vec![Effect::Rediscover]);
}

#[test]
fn later_discoveries_keep_the_whole_world_until_they_finish() {
    let mut a = live();
    a.update(Msg::Discovery(DiscoveryMsg::Started { first: true }));
    a.update(Msg::Discovery(DiscoveryMsg::Finished(Ok(Finished {
        world: Box::new(hoptrace::demo::world().unwrap()),
        aws_calls: 10,
        aws_rounds: 3,
        elapsed: Duration::from_secs(1),
        failed: Vec::new(),
    }))));
    let groups = a.world().unwrap().snap.security_groups.len();
    a.update(Msg::Discovery(DiscoveryMsg::Started { first: false }));
    a.update(Msg::Discovery(DiscoveryMsg::Partial(Box::new(
        without_security_groups(),
    ))));
    assert_eq!(a.world().unwrap().snap.security_groups.len(), groups);
    // A failed rediscovery keeps the world it had.
    a.update(Msg::Discovery(DiscoveryMsg::Finished(Err(
        "sts:GetCallerIdentity ExpiredToken: expired".into(),
    ))));
    assert!(a.world().is_some());
    assert!(flash(&a).contains("ExpiredToken"), "{}", flash(&a));
}

#[test]
fn offline_worlds_trace_again_on_r_and_refuse_r_shifted() {
    let mut a = app();
    a.update(key(':'));
    typed(&mut a, &format!("trace {BATCH} {PETS}"));
    a.update(code(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Trace);
    a.trace.result = None;
    assert!(a.update(key('r')).is_empty());
    assert!(a.trace.result.is_some(), "traced again");
    assert!(a.update(key('R')).is_empty());
    assert!(flash(&a).contains("not a live account"), "{}", flash(&a));
}

fn pets_from(from: &str) -> hoptrace::trace::Request {
    hoptrace::trace::Request::new(
        from,
        "GET",
        PETS,
        &[],
        false,
        hoptrace::trace::TlsVersion::V1_2,
    )
    .unwrap()
}

/// Live Tail is billed per minute: the first trace of a live session asks
/// once, polling meanwhile; the answer stands for the session.
#[test]
fn live_tail_is_asked_about_once_per_session() {
    use hoptrace::tui::app::{LiveTail, Mode};
    for (answer, want) in [('y', LiveTail::On), ('n', LiveTail::Off)] {
        let mut a = live();
        a.update(Msg::Discovery(DiscoveryMsg::Finished(Ok(Finished {
            world: Box::new(hoptrace::demo::world().unwrap()),
            aws_calls: 10,
            aws_rounds: 3,
            elapsed: Duration::from_secs(1),
            failed: Vec::new(),
        }))));
        a.run_trace(pets_from("i-0a0000000000web01"));
        assert!(matches!(a.mode, Mode::AskLiveTail), "{:?}", a.mode);
        assert_eq!(a.logs.live_tail, LiveTail::Ask);
        // The path's groups: access, execution, the function's.
        let names: Vec<&str> = a.logs.wanted.iter().map(|g| g.name.as_str()).collect();
        assert!(names.contains(&"/aws/lambda/pets-api"), "{names:?}");
        assert!(a
            .logs
            .wanted
            .iter()
            .all(|g| g.arn.starts_with("arn:aws:logs:us-east-1:")));
        // Other keys leave the question up.
        a.update(key('j'));
        assert!(matches!(a.mode, Mode::AskLiveTail));
        a.update(key(answer));
        assert!(matches!(a.mode, Mode::Normal));
        assert_eq!(a.logs.live_tail, want);
        assert!(flash(&a).contains(if answer == 'y' {
            "Live Tail on"
        } else {
            "polling"
        }));
        // Another trace does not ask again.
        a.run_trace(pets_from("i-0a00000000batch01"));
        assert!(matches!(a.mode, Mode::Normal));
    }
}
