"""`chaff inspect`: an HTML report of why a page came out the way it did."""
