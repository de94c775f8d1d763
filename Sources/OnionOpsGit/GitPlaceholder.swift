// The git source lands here.
