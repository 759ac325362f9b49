#include "sim/core/output_dir.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"

namespace flemsim::core {

namespace fs = std::filesystem;

namespace {

// "out/x/" and "out/x" are the same target: its name is the last component.
fs::path normal_target(const fs::path& p) {
    if (p.empty()) return ".";
    fs::path t = p.lexically_normal();
    if (!t.has_filename() && t.has_parent_path() && t != t.root_path()) t = t.parent_path();
    return t;
}

fs::path parent_of(const fs::path& target) {
    return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

fs::path beside(const fs::path& target, const char* kind) {
    return parent_of(target) /
           ("." + target.filename().string() + kind + std::to_string(static_cast<long>(::getpid())));
}

// The root, the current folder or a folder above it: never renamed away or emptied.
bool is_cwd_or_above(const fs::path& dir) {
    std::error_code ec;
    const fs::path t = fs::weakly_canonical(fs::absolute(dir, ec), ec);
    if (ec) return false;
    if (t == t.root_path()) return true;
    const fs::path cwd = fs::current_path(ec);
    if (ec) return false;
    const auto [end_t, end_cwd] = std::mismatch(t.begin(), t.end(), cwd.begin(), cwd.end());
    (void)end_cwd;
    return end_t == t.end();
}

// Temporary names that flemsim writes and that a crashed run may have left (".trips.h5.tmp-123").
bool is_temporary_name(const std::string& name) {
    return !name.empty() && name[0] == '.' &&
           (name.find(".tmp-") != std::string::npos || name.find(".old-") != std::string::npos);
}

bool process_alive(long pid) {
    if (pid <= 0) return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
    // A killed run whose parent has not reaped it yet (a zombie: state Z, or X) is as dead as
    // one that is gone; its temporaries are stale already.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return true;
    const auto paren = text.rfind(')');
    if (paren == std::string::npos || paren + 2 >= text.size()) return true;
    const char state = text[paren + 2];
    return state != 'Z' && state != 'X';
}

}  // namespace

std::string output_marker_command(const fs::path& dir) {
    std::ifstream in(dir / output_marker_name);
    std::string line;
    if (!in || !std::getline(in, line)) return {};
    constexpr std::string_view prefix = "flemsim ";
    if (line.compare(0, prefix.size(), prefix) != 0) return {};
    return line.substr(prefix.size());
}

void check_output_folder(const fs::path& dir_in, const OutputFolderRules& rules, bool force) {
    const fs::path dir = normal_target(dir_in);
    std::error_code ec;
    const auto st = fs::status(dir, ec);
    if (!fs::exists(st)) return;
    if (!fs::is_directory(st))
        throw IoError("output " + dir.string() + " exists and is not a folder; give another --output");
    const std::string marker = output_marker_command(dir);
    if (!marker.empty()) {
        if (marker == rules.command ||
            std::find(rules.also_accepted.begin(), rules.also_accepted.end(), marker) != rules.also_accepted.end())
            return;
        if (force) return;
        throw IoError("output folder " + dir.string() + " was written by 'flemsim " + marker + "', not by 'flemsim " +
                      rules.command + "'; refusing to write into it (give another --output, or --force to replace it)");
    }
    std::string foreign;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (is_temporary_name(name)) continue;
        if (std::find(rules.known_names.begin(), rules.known_names.end(), name) != rules.known_names.end()) continue;
        foreign = name;
        break;
    }
    if (ec) throw IoError("cannot read output folder " + dir.string() + ": " + ec.message());
    if (foreign.empty() || force) return;  // a folder to be replaced: StagedFolder guards the current one
    throw IoError("output folder " + dir.string() + " holds files that flemsim did not write (such as '" + foreign +
                  "') and no " + std::string(output_marker_name) +
                  " marker; refusing to write into it (give an empty or new --output, or --force to replace it)");
}

void write_output_marker(const fs::path& dir, std::string_view command) {
    write_file_atomically(dir / output_marker_name,
                          "flemsim " + std::string(command) +
                              "\n# This folder was written by flemsim, which may replace it; other files put here "
                              "may be lost.\n");
}

void open_output_folder(const fs::path& dir_in, const OutputFolderRules& rules, bool force) {
    const fs::path dir = normal_target(dir_in);
    check_output_folder(dir, rules, force);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError("cannot create output folder " + dir.string() + ": " + ec.message());
    if (output_marker_command(dir).empty()) write_output_marker(dir, rules.command);
}

void remove_stale_temporaries(const fs::path& target_in) {
    const fs::path target = normal_target(target_in);
    const fs::path parent = parent_of(target);
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) return;
    const std::string stem = "." + target.filename().string();
    std::vector<fs::path> stale;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        const std::string name = entry.path().filename().string();
        for (const char* kind : {".tmp-", ".old-"}) {
            const std::string prefix = stem + kind;
            if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
            const std::string digits = name.substr(prefix.size());
            if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
            if (!process_alive(std::stol(digits))) stale.push_back(entry.path());
        }
    }
    for (const auto& p : stale) fs::remove_all(p, ec);
}

StagedFolder::StagedFolder(fs::path target, OutputFolderRules rules, bool force)
    : m_target(normal_target(target)), m_rules(std::move(rules)), m_force(force) {
    if (m_target.empty() || is_cwd_or_above(m_target))
        throw IoError("output folder '" + m_target.string() +
                      "' is the current folder, one above it or the root; give a folder of its own");
    check_output_folder(m_target, m_rules, m_force);
}

StagedFolder::~StagedFolder() {
    if (!m_staging.empty()) {
        std::error_code ec;
        fs::remove_all(m_staging, ec);
    }
}

const fs::path& StagedFolder::stage() {
    std::error_code ec;
    fs::create_directories(parent_of(m_target), ec);
    if (ec) throw IoError("cannot create folder " + parent_of(m_target).string() + ": " + ec.message());
    remove_stale_temporaries(m_target);
    m_staging = beside(m_target, ".tmp-");
    fs::remove_all(m_staging, ec);
    fs::create_directory(m_staging, ec);
    if (ec) throw IoError("cannot create folder " + m_staging.string() + ": " + ec.message());
    return m_staging;
}

void StagedFolder::commit() {
    if (m_staging.empty()) throw IoError("internal: " + m_target.string() + " committed before it was staged");
    check_output_folder(m_target, m_rules, m_force);
    write_output_marker(m_staging, m_rules.command);
    std::error_code ec;
    const bool existed = fs::exists(fs::symlink_status(m_target, ec));
    const fs::path old = beside(m_target, ".old-");
    if (existed) {
        fs::remove_all(old, ec);
        fs::rename(m_target, old, ec);
        if (ec) throw IoError("cannot move the old " + m_target.string() + " aside: " + ec.message());
    }
    fs::rename(m_staging, m_target, ec);
    if (ec) {
        std::error_code back;
        if (existed) fs::rename(old, m_target, back);  // put the old result back: the whole old one stays
        throw IoError("cannot rename " + m_staging.string() + " to " + m_target.string() + ": " + ec.message());
    }
    m_staging.clear();
    if (existed) fs::remove_all(old, ec);  // a failure here leaves a stale ".old-<pid>", removed next time
}

}  // namespace flemsim::core
