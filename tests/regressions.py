"""The failure-path regressions (issue 9): each item and the tests that hold it.

``tests/conftest.py`` writes this table into ``docs/reliability.md``;
``tests/test_regressions.py`` checks that every test named here exists.
"""

from __future__ import annotations

FAILURE_PATH: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "1. a failing step shows as failed, with its duration, in every display",
        (
            "tests/engines/test_step_reports.py::test_a_step_that_exits_non_zero_is_failed_with_the_time_it_ran",
            "tests/engines/test_step_reports.py::test_plain_and_github_displays_say_failed_with_duration",
            "tests/engines/test_step_reports.py::test_live_table_shows_failed",
            "tests/e2e/test_failure_reports.py::test_a_failing_step_is_failed_with_its_duration_in_every_display",
        ),
    ),
    (
        "2. `--json` prints one object on every path",
        (
            "tests/test_failure_reporting.py::test_json_on_every_failure_path_without_a_daemon",
            "tests/e2e/test_failure_reports.py::test_json_is_one_object_on_stdout_on_every_path",
            "tests/test_json_on_internal_errors.py::test_a_bug_still_leaves_one_json_object_on_stdout",
            "tests/test_pipeline_exits.py::test_sys_exit_is_a_spec_error_with_json",
        ),
    ),
    (
        "3. script mode reports like the CLI, without a traceback",
        (
            "tests/test_failure_reporting.py::test_script_mode_prints_the_error_like_the_cli_and_uses_its_exit_codes",
            "tests/test_script_reporting.py::test_an_uncaught_error_prints_the_message_and_exits_with_the_cli_code",
            "tests/e2e/test_failure_reports.py::test_the_flask_pipeline_builds_as_a_script_and_a_failing_script_reports_briefly",
        ),
    ),
    (
        "4. a misspelt base image names the line and close local names",
        (
            "tests/e2e/test_missing_base.py::test_misspelt_base_names_the_line_and_a_close_local_image",
        ),
    ),
    (
        "5. a daemon dying mid-build is EngineUnavailable naming the step",
        (
            "tests/engines/test_step_reports.py::test_unfinished_step_names_the_step_that_was_running",
            "tests/e2e/test_failure_reports.py::test_a_daemon_that_dies_mid_build_is_engine_unavailable_naming_the_step",
        ),
    ),
    (
        "6. Ctrl-C during --push says exactly what was left behind",
        (
            "tests/test_failure_reporting.py::test_outputs_say_exactly_what_was_left_behind",
            "tests/e2e/test_failure_reports.py::test_ctrl_c_during_push_says_what_was_tagged_and_pushed",
        ),
    ),
    (
        "7. a full staging disk names the directory and how to move it",
        (
            "tests/engines/test_workspace.py::test_no_room_names_the_directory_and_how_to_move_it",
            "tests/e2e/test_staging_full_disk.py::test_full_staging_directory_names_it_and_the_variable_that_moves_it",
        ),
    ),
    (
        "8. healthcheck: only given options, CMD-SHELL, typed options",
        (
            "tests/spec/test_healthcheck.py::test_defaults_render_no_options",
            "tests/spec/test_healthcheck.py::test_shell_form_renders_cmd_shell",
            "tests/spec/test_healthcheck.py::test_bad_option_types_are_spec_errors_at_the_call",
            "tests/spec/test_healthcheck_limits.py::test_out_of_range_values_are_refused_at_the_pipeline_line",
            "tests/e2e/test_healthcheck_config.py::test_default_and_shell_form_healthchecks_are_exactly_what_was_declared",
        ),
    ),
    (
        "9. usage errors exit 2; tags checked first; true header and client; backslash names",
        (
            "tests/test_failure_reporting.py::test_bad_parameter_value_is_a_usage_error_from_options_and_environment",
            "tests/test_failure_reporting.py::test_bad_tags_are_refused_before_the_engine",
            "tests/test_cache_source_references.py::test_build_refuses_a_malformed_cache_source_before_any_engine",
            "tests/test_failure_reporting.py::test_default_engine_is_said_to_be_the_default",
            "tests/test_failure_reporting.py::test_render_prints_the_client_the_framework_uses",
            "tests/spec/test_source_names.py::test_a_backslash_in_a_file_name_is_part_of_the_name",
        ),
    ),
    (
        "10. importing a target never builds; the README example works as script and CLI",
        (
            "tests/test_failure_reporting.py::test_a_file_that_builds_on_import_is_refused_not_built",
            "tests/test_failure_reporting.py::test_every_example_pipeline_loads_for_the_cli_without_building",
            "tests/test_readme.py::test_the_first_example_is_pipelines_flask_app",
        ),
    ),
    (
        "11. SIGTERM cancels and exits 143; SIGKILL leaves no client; secrets off disk",
        (
            "tests/test_signals.py::test_uncaught_in_a_script_prints_one_line_and_exits_143",
            "tests/test_sigterm_cli_whole_command.py::test_sigterm_while_the_pipeline_loads",
            "tests/engines/test_docker_secrets.py::test_env_capable_clients_get_values_in_the_environment_and_no_file",
            "tests/engines/test_docker_secrets.py::test_directories_of_dead_builds_are_swept_at_the_next_start",
            "tests/e2e/test_termination.py::test_sigterm_in_the_cli_cancels_tags_nothing_and_exits_143",
            "tests/e2e/test_termination.py::test_sigkill_takes_the_client_down_and_the_next_build_does_not_wait",
        ),
    ),
    (
        "12. a symlink swapped in after declaration is refused at staging",
        (
            "tests/engines/test_staging.py::test_a_file_swapped_for_a_symlink_out_of_the_context_is_refused",
            "tests/engines/test_staging.py::test_a_directory_swapped_for_a_symlink_out_of_the_context_is_refused",
            "tests/e2e/test_context_files.py::test_a_symlink_swapped_in_after_declaration_is_refused",
        ),
    ),
    (
        "13. special and unreadable files are refused by name",
        (
            "tests/engines/test_staging.py::test_a_special_file_in_a_copied_directory_is_refused",
            "tests/engines/test_staging.py::test_an_unreadable_file_or_directory_is_refused",
            "tests/engines/test_staging_depth.py::test_a_deeper_tree_is_refused_naming_it_and_leaves_nothing",
        ),
    ),
    (
        "14. `render -o` into the copied context is refused and leaves nothing",
        (
            "tests/engines/test_staging.py::test_render_o_into_the_context_is_refused_and_leaves_nothing",
        ),
    ),
    (
        "15. `.dockerignore` honoured, with an opt-out",
        (
            "tests/spec/test_dockerignore.py::test_the_dockerignore_patterns_are_read_when_the_context_is_declared",
            "tests/spec/test_dockerignore.py::test_opt_out",
            "tests/e2e/test_context_files.py::test_dockerignore_selects_what_docker_build_sends",
            "tests/e2e/test_dockerignore_vs_docker.py::test_the_framework_sends_what_docker_build_sends",
        ),
    ),
    (
        "16. patterns match moby's patternmatcher; malformed ones refused",
        (
            "tests/spec/test_patterns_moby.py::test_matches_like_moby",
            "tests/spec/test_patterns_moby.py::test_malformed_patterns_are_refused",
            "tests/spec/test_patterns_moby.py::test_a_context_refuses_a_bare_exclamation_mark",
            "tests/spec/test_patterns_moby.py::test_excluded_takes_an_absolute_path_as_relative_to_the_root",
            "tests/engines/test_staging.py::test_excluded_directories_are_absent_with_exceptions_present",
        ),
    ),
    (
        "17. encoded and clipped secrets are redacted",
        (
            "tests/engines/test_redact.py::test_base64_alone_or_embedded_at_any_alignment",
            "tests/engines/test_redact.py::test_hex_lower_and_upper",
            "tests/engines/test_redact.py::test_percent_encoding_whatever_was_escaped",
            "tests/engines/test_redact.py::test_piece_at_a_clip_or_wrap_is_masked",
            "tests/engines/test_redact_overlaps_and_scale.py::test_two_overlapping_secrets_leave_nothing_of_either",
            "tests/e2e/test_redact_encodings.py::test_encoded_secret_never_shows_in_output_or_error",
        ),
    ),
    (
        "18. cache mounts are scoped to their pipeline; sharing is by a named id",
        (
            "tests/spec/test_cache_scope.py::test_two_pipelines_with_the_same_path_get_different_caches",
            "tests/spec/test_cache_scope.py::test_the_same_pipeline_keeps_its_id_across_checkouts_and_working_directories",
            "tests/e2e/test_cache_isolation.py::test_pipelines_with_the_same_cache_path_do_not_share_unless_named",
        ),
    ),
)


def markdown() -> str:
    """The table as a section of ``docs/reliability.md``."""
    lines = [
        "## Failure-path regressions",
        "",
        "Each item of the failure-path review and the tests that hold it (`tests/regressions.py`).",
        "",
        "| item | tests |",
        "| --- | --- |",
    ]
    for item, tests in FAILURE_PATH:
        shown = "<br>".join(f"`{test}`" for test in tests)
        lines.append(f"| {item} | {shown} |")
    return "\n".join(lines) + "\n"
