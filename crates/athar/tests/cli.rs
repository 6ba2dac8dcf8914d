//! The command line as a whole: help, usage errors and exit codes.

use crate::util::{run, text};

#[test]
fn help_lists_every_contract_command() {
    let (code, stdout, _) = text(&run(&["--help"]));
    assert_eq!(code, 0);
    for cmd in [
        "gen", "inspect", "names", "link", "eval", "init", "import", "export", "check", "train",
        "backup", "persons", "users", "serve", "demo",
    ] {
        assert!(stdout.contains(cmd), "--help lacks {cmd}");
    }
}

#[test]
fn unknown_option_is_bad_usage() {
    let (code, _, _) = text(&run(&["gen", "--no-such-option"]));
    assert_eq!(code, 2);
}
