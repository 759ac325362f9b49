#pragma once
// Whether flemsim's operator new (huge_pages.cpp: large blocks advised for transparent huge
// pages) is compiled in: FLEMSIM_HUGE_PAGES_ADVISED is 1 on Linux without a sanitizer (the
// sanitizers' runtimes replace operator new themselves), else 0.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FLEMSIM_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FLEMSIM_SANITIZED_ALLOCATOR 1
#endif

#if defined(__linux__) && !defined(FLEMSIM_SANITIZED_ALLOCATOR)
#define FLEMSIM_HUGE_PAGES_ADVISED 1
#else
#define FLEMSIM_HUGE_PAGES_ADVISED 0
#endif
