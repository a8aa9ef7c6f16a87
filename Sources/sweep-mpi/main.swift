import Engine
import Sweep
print(EngineInfo.smoke())
