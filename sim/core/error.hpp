#pragma once
// Error kinds of flemsim (see README "Errors"):
//  - InputError: bad data, with file:line:column and the offending key or id;
//  - IoError: the file system or HDF5 failed;
//  - assertions (assert) for our own bugs.
#include <stdexcept>
#include <string>

namespace flemsim::core {

// A position in an input file; line and column are 1-based, 0 when unknown.
struct SourcePos {
    std::string file;
    int line = 0;
    int column = 0;

    std::string str() const;  // "file:line:column" (parts that are unknown are left out)
};

class InputError : public std::runtime_error {
public:
    InputError(SourcePos pos, std::string message, std::string hint = {});
    const SourcePos& pos() const { return m_pos; }
    const std::string& message() const { return m_message; }
    const std::string& hint() const { return m_hint; }

private:
    SourcePos m_pos;
    std::string m_message;
    std::string m_hint;
};

class IoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown by low-level parsers that do not know where they are; the caller that knows the
// line and column catches it and rethrows an InputError with the position.
class ParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace flemsim::core
