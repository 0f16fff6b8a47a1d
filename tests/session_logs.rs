//! The log pane's reads go through the session: the face sends a
//! `Command::Logs`, the session reads `pods/log` from the context on screen
//! and answers `Update::Logs` (the TUI itself holds no cluster client).

use std::time::Duration;

use egscope::audit::AuditOptions;
use egscope::session::logs::LogTarget;
use egscope::session::{self, Command, Source, Update};
use egscope::sim::{Scenario, SimOptions};
use egscope::store::Kind;
use egscope::ui::data::Data;

/// Opens a session on the showcase, asks for the log `pick` chooses
/// once the first data is in (`None` until it can), and returns the
/// session's answer.
fn ask_log(pick: impl Fn(&Data) -> Option<LogTarget>) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let source = Source::Demo {
        scenario: Scenario::Showcase,
        options: SimOptions::default(),
        label: "demo (test)".into(),
    };
    let mut link = session::spawn::<Data>(rt.handle(), source, AuditOptions::default());
    rt.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut asked = false;
        loop {
            let u = tokio::time::timeout_at(deadline, link.updates.recv())
                .await
                .expect("an answer within 60 s")
                .expect("the session runs");
            match u {
                Update::Data(d) if !asked => {
                    if let Some(t) = pick(&d) {
                        link.commands.send(Command::Logs(t)).unwrap();
                        asked = true;
                    }
                }
                Update::Logs(reply) => return reply.result.expect("the simulator serves the log"),
                Update::Failed(why) => panic!("the session failed: {why}"),
                _ => {}
            }
        }
    })
}

#[test]
fn a_log_command_is_answered_with_the_pods_log() {
    let lines = ask_log(|d| {
        // A proxy pod (the controllers' have no `envoy` container).
        let pod = d
            .store
            .of(Kind::Pod)
            .iter()
            .find(|p| p.labels.get("app.kubernetes.io/managed-by") == Some("envoy-gateway"))?;
        Some(LogTarget {
            namespace: pod.namespace_or_empty().to_string(),
            pod: pod.name.clone(),
            container: Some("envoy".into()),
            previous: false,
            tail_lines: 20,
        })
    });
    assert!(!lines.is_empty(), "an empty log");
    assert!(lines.len() <= 20, "more than the tail asked for");
}

/// A controller's log read through the session (the real `pods/log` GET
/// against the simulator) lays out zap's tab-separated fields and keeps
/// the hostile hostname escaped: the neutralising at fetch time must not
/// turn the tabs into `\x09` first.
#[test]
fn a_controller_log_comes_with_its_tabs_laid_out_and_escapes_neutralised() {
    let lines = ask_log(|d| {
        let pod = d.model.controllers.iter().find_map(|c| c.pods.first())?;
        Some(LogTarget {
            namespace: pod.namespace_or_empty().to_string(),
            pod: pod.name.clone(),
            container: Some("envoy-gateway".into()),
            previous: false,
            tail_lines: 500,
        })
    });
    let text = lines.join("\n");
    assert!(text.contains("INFO"), "{text}");
    assert!(!text.contains("\\x09"), "tabs shown as escapes: {text}");
    assert!(!text.contains('\t'), "a raw tab reached the pane: {text}");
    assert!(
        !text.contains('\u{1b}'),
        "an escape reached the pane: {text}"
    );
}
