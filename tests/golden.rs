//! Golden files: a tiny scenario's CSV output must match the checked-in copies byte
//! for byte, so an accidental change to any result is seen in review. After an
//! intended model change, refresh them with `UPDATE_GOLDEN=1 cargo test --test golden`.

mod common;

use std::fs;
use std::path::Path;

use common::{WorkDir, assert_success};

#[test]
fn the_tiny_scenario_matches_its_golden_files() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let dir = WorkDir::new("golden");
    let scenario = golden.join("tiny.toml");
    assert_success(&dir.run(&["run", scenario.to_str().unwrap(), "--quiet"]));
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for file in ["summary.csv", "comparison.csv", "timeseries.csv", "trials.csv"] {
        let produced = fs::read_to_string(dir.path.join("output/tiny").join(file)).unwrap();
        let expected_path = golden.join("tiny").join(file);
        if update {
            fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            fs::write(&expected_path, &produced).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", expected_path.display()));
        if produced != expected {
            let line = produced.lines().zip(expected.lines()).position(|(a, b)| a != b);
            panic!(
                "{file} differs from {} (first differing line: {line:?}); if the change is intended, \
                 refresh with UPDATE_GOLDEN=1 cargo test --test golden",
                expected_path.display()
            );
        }
    }
}
