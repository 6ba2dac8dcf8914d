# Shared by every page: the frame, the error pages, form problems.
site-name = Athar
skip-to-content = Skip to content
nav-label = Main menu
nav-search = Search for a person
nav-report = Report a missing person
nav-survivor = I am alive
nav-tip = Leave information
nav-follow = Follow a case
footer-privacy = We never show anyone's details or who is searching. Reports and tips are read only by the organization's caseworkers.
back-home = Back to the start
error-code = Error code:
error-not-found-title = Page not found
error-not-found-body = There is no page at this address.
error-method-title = Not allowed
error-method-body = This page cannot be used this way.
error-bad-form-title = The form could not be read
error-bad-form-body = Please go back, check the form and send it again.
error-forbidden-title = The form has expired
error-forbidden-body = For your safety, forms only work from this site and for a limited time. Please go back, reload the page and send it again.
error-too-large-title = Too much text
error-too-large-body = What you sent is too long. Please shorten it and try again.
error-rate-limited-title = Please wait a little
error-rate-limited-body = Too many requests came from your connection. Please wait a minute and try again.
error-timeout-title = This took too long
error-timeout-body = The server is busy. Please try again in a moment.
error-internal-title = Something went wrong
error-internal-body = Your request could not be completed. Nothing you sent has been shown to anyone. Please try again later.
form-problems = Please correct the following:
form-too-long = A field is too long.
form-bad-year = The year must be four digits, for example 1985.
form-bad-sex = Please choose from the list.
required = (required)
updates-count = { $category ->
    [one] { $n } update
   *[other] { $n } updates
}
