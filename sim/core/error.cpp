#include "sim/core/error.hpp"

namespace flemsim::core {

std::string SourcePos::str() const {
    std::string s = file.empty() ? std::string("<input>") : file;
    if (line > 0) {
        s += ':' + std::to_string(line);
        if (column > 0) s += ':' + std::to_string(column);
    }
    return s;
}

namespace {
std::string compose(const SourcePos& pos, const std::string& message, const std::string& hint) {
    std::string s = pos.str() + ": " + message;
    if (!hint.empty()) s += " (" + hint + ")";
    return s;
}
}  // namespace

InputError::InputError(SourcePos pos, std::string message, std::string hint)
    : std::runtime_error(compose(pos, message, hint)),
      m_pos(std::move(pos)),
      m_message(std::move(message)),
      m_hint(std::move(hint)) {}

}  // namespace flemsim::core
