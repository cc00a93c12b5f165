# chat_target_defaults(<target>): warnings, sanitizers and Boost/Asio defines for our own code.
add_library(chat_compile_options INTERFACE)
target_compile_options(chat_compile_options INTERFACE -Wall -Wextra -Wpedantic)
if(CHAT_WERROR)
  target_compile_options(chat_compile_options INTERFACE -Werror)
endif()
target_compile_definitions(chat_compile_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
if(CHAT_SANITIZE)
  target_compile_options(chat_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(chat_compile_options INTERFACE -fsanitize=address,undefined)
endif()

function(chat_target_defaults target)
  target_link_libraries(${target} PRIVATE chat_compile_options)
endfunction()
