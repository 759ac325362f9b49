#pragma once
// Output folders. A command that writes a folder marks it as its own (a file named
// `.flemsim-output` that names the command) and refuses to write into, or replace, a folder that
// holds other files and no such marker: a user's folder given by mistake as --output must not be
// emptied. Commands whose outputs belong together (a run's trip log and its report, a network's
// tables, a set of skims) write them into a temporary folder beside the target and rename it
// into place when everything is written, so that a reader sees the whole old result or the whole
// new one, never a new trip log beside an old report.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flemsim::core {

inline constexpr std::string_view output_marker_name = ".flemsim-output";

// What may be found in a folder that a command may write into or replace.
struct OutputFolderRules {
    std::string command;  // written into the marker, e.g. "run", "network build"
    // Markers of these commands also make a folder ours (e.g. export writes beside a run's trip log).
    std::vector<std::string> also_accepted;
    // Names this command (or a version of it older than the marker) writes: a folder holding only
    // these (and temporaries) is taken as ours even without a marker.
    std::vector<std::string> known_names;
};

// The command named by `dir`'s marker; empty when there is none.
std::string output_marker_command(const std::filesystem::path& dir);

// Throws IoError unless `dir` is absent, an empty folder, or a folder of `rules` (see above);
// `force` lifts that (but not for a path that is not a folder). StagedFolder also refuses the
// current folder, one above it and the root, which it would rename away.
void check_output_folder(const std::filesystem::path& dir, const OutputFolderRules& rules, bool force);

// Writes the marker naming `command` into `dir` (which exists).
void write_output_marker(const std::filesystem::path& dir, std::string_view command);

// Checks `dir` (above), creates it when absent and marks it: for commands that add files to a
// folder (a sweep that is resumed, an export beside a trip log) rather than replace it.
void open_output_folder(const std::filesystem::path& dir, const OutputFolderRules& rules, bool force);

// Removes what runs that died left beside `target`: ".<name>.tmp-<pid>" and ".<name>.old-<pid>"
// (files or folders) whose process is gone. Those of live processes are left alone.
void remove_stale_temporaries(const std::filesystem::path& target);

// A folder written whole. The constructor only checks the target (so a run can refuse before it
// works for minutes); stage() makes the temporary folder; commit() marks it and renames it into
// place, replacing the old folder; without commit() the temporary folder is removed.
class StagedFolder {
public:
    StagedFolder(std::filesystem::path target, OutputFolderRules rules, bool force);
    ~StagedFolder();
    StagedFolder(const StagedFolder&) = delete;
    StagedFolder& operator=(const StagedFolder&) = delete;

    // Removes stale temporaries beside the target and creates ".<name>.tmp-<pid>"; returns it.
    const std::filesystem::path& stage();
    const std::filesystem::path& staging() const { return m_staging; }
    const std::filesystem::path& target() const { return m_target; }
    // Checks the target again (something may have appeared meanwhile), then: old folder renamed
    // to ".<name>.old-<pid>", the staged one renamed to the target, the old one removed.
    void commit();

private:
    std::filesystem::path m_target;
    OutputFolderRules m_rules;
    bool m_force = false;
    std::filesystem::path m_staging;
};

}  // namespace flemsim::core
