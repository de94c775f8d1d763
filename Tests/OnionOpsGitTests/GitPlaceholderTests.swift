// Tests of the git source land here.
