// The single translation unit that instantiates CAF test's engine and main().
#include "caf/test/unit_test_impl.hpp"
